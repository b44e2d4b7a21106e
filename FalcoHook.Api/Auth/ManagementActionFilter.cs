using System.Globalization;
using System.Text;
using FalcoHook.Core.Telemetry;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;

namespace FalcoHook.Api.Auth;

/// <summary>
/// The endpoint filter of the endpoints behind the write policy (added by <see cref="ApiKeyAuthExtensions.RequireWrite"/> and
/// <see cref="ApiKeyAuthExtensions.RequireApiKeyRoles"/>; on another endpoint it only passes through): records each management action that
/// passed authorization in the security event log (<see cref="SecurityEventLog.ManagementAction"/>) with the key's
/// name, the client address, the method, path and route, and the status of the answer (500 when the handler threw).
/// </summary>
internal static class ManagementActionFilter
{
    public static EndpointFilterDelegate Create(EndpointFilterFactoryContext factory, EndpointFilterDelegate next)
    {
        var route = (factory.MethodInfo.DeclaringType?.Name ?? "") + "." + factory.MethodInfo.Name;
        ILogger? logger = null;
        bool? isWrite = null;
        return async context =>
        {
            var http = context.HttpContext;
            isWrite ??= http.GetEndpoint()?.Metadata.GetOrderedMetadata<IAuthorizeData>().Any(a => a.Policy == ApiKeyAuthExtensions.WritePolicy) == true;
            if (isWrite != true) return await next(context);
            logger ??= http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(SecurityEventLog.Category);
            var status = StatusCodes.Status500InternalServerError;
            try
            {
                var result = await next(context);
                status = StatusOf(result) ?? http.Response.StatusCode;
                return result;
            }
            finally
            {
                SecurityEventLog.ManagementAction(logger, http.Request.Method, Printable(http.Request.Path.Value),
                    http.User.Identity?.IsAuthenticated == true ? http.User.Identity.Name ?? "" : "anonymous",
                    http.Connection.RemoteIpAddress?.ToString() ?? "local", status,
                    (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? route);
            }
        };
    }

    private static int? StatusOf(object? result)
    {
        while (result is INestedHttpResult nested) result = nested.Result;
        return result is IStatusCodeHttpResult { StatusCode: { } status } ? status : null;
    }

    /// <summary>The path with control characters escaped (a name in it may hold CR or LF), so a record stays one line.</summary>
    private static string Printable(string? path)
    {
        if (string.IsNullOrEmpty(path)) return "/";
        if (!path.Any(char.IsControl)) return path;
        var text = new StringBuilder(path.Length + 8);
        foreach (var c in path)
            text.Append(char.IsControl(c) ? "\\u" + ((int)c).ToString("x4", CultureInfo.InvariantCulture) : c);
        return text.ToString();
    }
}
