using System.ComponentModel;
using System.Text.Json;
using FalcoHook.Api.Ingest;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Configuration;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Endpoints;

/// <summary>Liveness, readiness and Falcosidekick's ping and test endpoints.</summary>
public static class HealthApi
{
    /// <summary>Health checks with this tag decide readiness.</summary>
    public const string ReadyTag = "ready";

    public sealed record HealthAnswer([property: Description("ok, or the failing checks")] string Status,
        [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
        IReadOnlyDictionary<string, string>? Checks = null);

    public static RouteGroupBuilder MapHealth(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("").WithTags("Health");

        group.MapGet("/healthz", () => TypedResults.Ok(new HealthAnswer("ok")))
            .WithName("Liveness").WithSummary("Liveness: the process is up");

        group.MapGet("/readyz", ReadinessAsync)
            .WithName("Readiness").WithSummary("Readiness: storage reachable and rules loaded")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/ping", () => TypedResults.Text("pong", "text/plain"))
            .WithName("Ping").WithSummary("Falcosidekick-compatible ping; answers pong");

        group.MapPost("/test", TestAlertAsync)
            .WithName("TestAlert").WithSummary("Send a Debug \"Test rule\" alert through the same path as a real one")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    private static async Task<Results<Ok<HealthAnswer>, ProblemHttpResult>> ReadinessAsync(
        HealthCheckService health, CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(c => c.Tags.Contains(ReadyTag), cancellationToken);
        var checks = report.Entries.ToDictionary(e => e.Key, e => e.Value.Status.ToString());
        if (report.Status == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy)
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Not ready.",
                detail: string.Join("; ", report.Entries.Where(e => e.Value.Status == Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy)
                    .Select(e => $"{e.Key}: {e.Value.Description}")));
        return TypedResults.Ok(new HealthAnswer("ok", checks));
    }

    private static async Task<Results<Ok<AcceptedAlerts>, ProblemHttpResult>> TestAlertAsync(
        HttpContext context, AlertIngest ingest, TimeProvider time, IOptions<FalcoHookOptions> root, CancellationToken cancellationToken)
    {
        var hostname = root.Value.InstanceName;
        var now = FalcoTime.FromDateTimeOffset(time.GetUtcNow());
        var alert = new FalcoAlert
        {
            Rule = "Test rule",
            Priority = Priority.Debug,
            Time = now,
            Output = $"{now.ToTimeOfDayString()}: Debug This is a test from FalcoHook",
            Source = "debug",
            Hostname = hostname,
            Tags = ["test", "example"],
            OutputFields = new Dictionary<string, JsonElement>
            {
                ["proc.name"] = JsonSerializer.SerializeToElement("falcohook"),
                ["user.name"] = JsonSerializer.SerializeToElement("falcohook"),
                ["evt.time"] = JsonSerializer.SerializeToElement(now.UnixNanoseconds),
            },
        };
        return await ingest.AcceptAsync(context, [alert], "test", cancellationToken);
    }
}
