using FalcoHook.Core.Telemetry;
using Microsoft.AspNetCore.Antiforgery;

namespace FalcoHook.Api.Ui.Actions;

/// <summary>
/// Every UI action is a form POST: its anti-forgery token is checked first (400 without a valid one), then, for a
/// change, the user's role (403 for a read key, whatever the page showed). Each change that passed is recorded as
/// a management action in the security event log, as the REST API's are.
/// </summary>
internal static class UiActionFilter
{
    public static EndpointFilterDelegate Create(EndpointFilterFactoryContext factory, EndpointFilterDelegate next, bool write)
    {
        var route = "ui." + factory.MethodInfo.Name;
        return async context =>
        {
            var http = context.HttpContext;
            var antiforgery = http.RequestServices.GetRequiredService<IAntiforgery>();
            if (!await antiforgery.IsRequestValidAsync(http))
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad Request",
                    detail: "The form's anti-forgery token is missing or not valid; reload the page and try again.");
            if (!write) return await next(context);

            var user = http.RequestServices.GetRequiredService<UiSession>().Current(http);
            if (user is not { CanWrite: true })
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                    detail: $"'{user?.Name ?? "anonymous"}' has the role '{user?.Role ?? "none"}'; this action needs 'write'.");

            var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(SecurityEventLog.Category);
            var status = StatusCodes.Status500InternalServerError;
            try
            {
                var result = await next(context);
                status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : http.Response.StatusCode;
                return result;
            }
            finally
            {
                SecurityEventLog.ManagementAction(logger, http.Request.Method, http.Request.Path.Value ?? "", user.Name,
                    http.Connection.RemoteIpAddress?.ToString() ?? "local", status, route);
            }
        };
    }
}
