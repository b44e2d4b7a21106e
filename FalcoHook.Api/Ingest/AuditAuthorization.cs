using System.Security.Cryptography;
using System.Text;
using FalcoHook.Api.Hosting;
using FalcoHook.Core.Ingest;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Ingest;

/// <summary>
/// Who may post to <c>/k8s-audit</c>: anyone when neither tokens (<c>FalcoHook:Ingest:AuditTokens</c>) nor a
/// client CA (<c>FalcoHook:Tls:ClientCaPath</c>) is configured; otherwise a request with one of the bearer
/// tokens, or one over a connection whose client certificate Kestrel verified against the CA. kube-apiserver
/// presents either through its webhook kubeconfig (<c>token</c>, or <c>client-certificate</c>/<c>client-key</c>).
/// </summary>
public sealed class AuditAuthorization(IOptionsMonitor<IngestOptions> ingest, IConfiguration configuration) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var tokens = ingest.CurrentValue.AuditTokens.Where(t => !string.IsNullOrEmpty(t)).ToList();
        var mtls = !string.IsNullOrWhiteSpace(configuration[$"{TlsOptions.Section}:ClientCaPath"]);
        if (tokens.Count == 0 && !mtls) return await next(context);

        // A client certificate on this connection has already passed Kestrel's check against the CA.
        if (mtls && http.Connection.ClientCertificate is not null) return await next(context);

        var header = http.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var presented = Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
            if (tokens.Any(t => CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(t))))
                return await next(context);
        }
        http.Response.Headers.WWWAuthenticate = "Bearer realm=\"falcohook\"";
        return TypedResults.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Authentication required.",
            detail: header.Length == 0
                ? "Send a bearer token from FalcoHook:Ingest:AuditTokens or a client certificate signed by the configured CA."
                : "The bearer token is not one of FalcoHook:Ingest:AuditTokens.",
            type: "https://falcohook.dev/problems/unauthorized");
    }
}
