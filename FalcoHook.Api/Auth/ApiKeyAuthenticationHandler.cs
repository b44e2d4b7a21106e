using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Auth;

/// <summary>
/// Authenticates <c>X-Api-Key: &lt;key&gt;</c> or <c>Authorization: ApiKey &lt;key&gt;</c> (or <c>Bearer</c>)
/// against <c>FalcoHook:Auth:ApiKeys</c>, comparing SHA-256 digests in constant time against every key.
/// No key: no result (anonymous). A wrong key: failure, so the request is 401 even where anonymous access is
/// allowed. Challenge and forbid answer with problem+json.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    ILoggerFactory loggerFactory, UrlEncoder encoder, IOptionsMonitor<ApiKeyOptions> keys, IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    internal const string KeyRejected = "FalcoHook.ApiKeyRejected";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var presented = PresentedKey(Request);
        if (presented is null) return Task.FromResult(AuthenticateResult.NoResult());
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        ApiKeyEntry? match = null;
        foreach (var entry in keys.CurrentValue.ApiKeys)
        {
            // Every key is compared (no early exit), each comparison in constant time.
            if (CryptographicOperations.FixedTimeEquals(digest, SHA256.HashData(Encoding.UTF8.GetBytes(entry.Key))) && entry.Key.Length > 0)
                match ??= entry;
        }
        if (match is null)
        {
            Context.Items[KeyRejected] = true;
            return Task.FromResult(AuthenticateResult.Fail("The API key is not valid."));
        }
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, match.Name), new Claim(ClaimTypes.Role, match.Role.ToLowerInvariant())], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    internal static string? PresentedKey(HttpRequest request)
    {
        if (request.Headers.TryGetValue(HeaderName, out var header) && !string.IsNullOrEmpty(header.ToString())) return header.ToString();
        var authorization = request.Headers.Authorization.ToString();
        foreach (var prefix in (string[])["ApiKey ", "Bearer "])
        {
            if (authorization.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)) return authorization[prefix.Length..].Trim();
        }
        return null;
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{HeaderName}\"";
        var rejected = Context.Items.ContainsKey(KeyRejected);
        await WriteProblemAsync(StatusCodes.Status401Unauthorized, "Unauthorized", rejected
            ? "The API key is not valid."
            : $"This endpoint needs an API key ({HeaderName} header or 'Authorization: ApiKey <key>') from {ApiKeyOptions.Section}:ApiKeys.");
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await WriteProblemAsync(StatusCodes.Status403Forbidden, "Forbidden",
            $"The API key '{Context.User.Identity?.Name}' has the role '{Context.User.FindFirstValue(ClaimTypes.Role)}'; this endpoint needs 'write'.");
    }

    private async Task WriteProblemAsync(int status, string title, string detail)
    {
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
