using System.Globalization;
using System.Threading.RateLimiting;
using FalcoHook.Core.Rules;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Rules;

/// <summary>
/// The concurrency limit of the rules tools (<c>validate</c>, <c>test</c>), which anyone may call when reads
/// are anonymous: <c>FalcoHook:Rules:ToolsConcurrency</c> requests at once (read at start), no queue; one more is
/// answered 503 problem+json with <c>Retry-After</c>. Endpoints opt in with <c>RequireRateLimiting(Policy)</c>.
/// </summary>
public static class RulesToolsLimiter
{
    public const string Policy = "rules-tools";

    public static IServiceCollection AddRulesToolsLimiter(this IServiceCollection services) =>
        services.AddRateLimiter(options => options.AddPolicy<string, ToolsPolicy>(Policy));

    private sealed class ToolsPolicy(IOptions<RulesOptions> options) : IRateLimiterPolicy<string>
    {
        private readonly ConcurrencyLimiterOptions _limiter = new()
        {
            PermitLimit = options.Value.ToolsConcurrency,
            QueueLimit = 0,
        };

        /// <summary>Whole seconds a client should wait: one budget, the longest a request holds its permit.</summary>
        private readonly int _retryAfterSeconds = (int)Math.Ceiling(options.Value.ToolsTimeout.TotalSeconds);

        public RateLimitPartition<string> GetPartition(HttpContext httpContext) =>
            RateLimitPartition.GetConcurrencyLimiter(Policy, _ => _limiter);

        public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected => async (context, cancellationToken) =>
        {
            var http = context.HttpContext;
            http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            http.Response.Headers.RetryAfter = _retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            var problems = http.RequestServices.GetRequiredService<IProblemDetailsService>();
            await problems.WriteAsync(new ProblemDetailsContext
            {
                HttpContext = http,
                ProblemDetails = new ProblemDetails
                {
                    Status = StatusCodes.Status503ServiceUnavailable,
                    Title = "Too many validate and test requests.",
                    Detail = $"{_limiter.PermitLimit} are running ({RulesOptions.Section}:ToolsConcurrency); " +
                             $"retry after {_retryAfterSeconds} seconds.",
                    Type = "https://falcohook.dev/problems/rules-tools-busy",
                },
            });
        };
    }
}
