using System.Security.Cryptography;
using System.Text;
using FalcoHook.Api.Auth;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Ui;

/// <summary>
/// The UI's sign-in: an API key (the same keys and roles as the REST API) exchanged for an HttpOnly, SameSite=Strict
/// cookie scoped to <c>/ui</c> (Secure over HTTPS). The cookie holds the key's name and the SHA-256 of the key, protected
/// and time-limited by Data Protection; each request checks it against the keys configured now, so a removed or
/// changed key signs its sessions out and a role change takes effect at once. Without a session the anonymous read
/// rules of <see cref="AnonymousReads"/> apply, and <c>AllowAnonymousWrites</c> for writes.
/// </summary>
public sealed class UiSession(IDataProtectionProvider protection, IOptionsMonitor<ApiKeyOptions> keys, TimeProvider time)
{
    public const string CookieName = "falcohook_ui";
    public const string CookiePath = "/ui";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(12);
    private const string ItemKey = "FalcoHook.UiUser";

    private readonly ITimeLimitedDataProtector _protector =
        protection.CreateProtector("FalcoHook.Ui.Session.v1").ToTimeLimitedDataProtector();

    /// <summary>The key entry <paramref name="presented"/> is (compared as digests in constant time), or null.</summary>
    public ApiKeyEntry? Match(string presented)
    {
        if (string.IsNullOrEmpty(presented)) return null;
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        ApiKeyEntry? match = null;
        foreach (var entry in keys.CurrentValue.ApiKeys)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, SHA256.HashData(Encoding.UTF8.GetBytes(entry.Key))) && entry.Key.Length > 0)
                match ??= entry;
        }
        return match;
    }

    /// <summary>Signs <paramref name="entry"/> in: sets the session cookie.</summary>
    public void SignIn(HttpContext http, ApiKeyEntry entry)
    {
        var payload = entry.Name + "\n" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(entry.Key)));
        var value = _protector.Protect(payload, time.GetUtcNow().Add(Lifetime));
        http.Response.Cookies.Append(CookieName, value, Options(http, time.GetUtcNow().Add(Lifetime)));
        http.Items[ItemKey] = new UiUser(entry.Name, entry.Role.ToLowerInvariant(), SignedIn: true);
    }

    public void SignOut(HttpContext http)
    {
        http.Response.Cookies.Delete(CookieName, Options(http, expires: null));
        http.Items.Remove(ItemKey);
    }

    /// <summary>The user of this request: the session's key, else anonymous where allowed, else null (sign in first).</summary>
    public UiUser? Current(HttpContext http)
    {
        if (http.Items.TryGetValue(ItemKey, out var cached)) return cached as UiUser;
        var user = FromCookie(http) ?? Anonymous(http);
        http.Items[ItemKey] = user;
        return user;
    }

    private UiUser? FromCookie(HttpContext http)
    {
        if (!http.Request.Cookies.TryGetValue(CookieName, out var value) || string.IsNullOrEmpty(value)) return null;
        string payload;
        try
        {
            payload = _protector.Unprotect(value, out _);
        }
        catch (CryptographicException)
        {
            return null;
        }
        var parts = payload.Split('\n');
        if (parts.Length != 2) return null;
        var digest = Convert.FromHexString(parts[1]);
        foreach (var entry in keys.CurrentValue.ApiKeys)
        {
            if (entry.Name == parts[0] && entry.Key.Length > 0 &&
                CryptographicOperations.FixedTimeEquals(digest, SHA256.HashData(Encoding.UTF8.GetBytes(entry.Key))))
                return new UiUser(entry.Name, entry.Role.ToLowerInvariant(), SignedIn: true);
        }
        return null;
    }

    private UiUser? Anonymous(HttpContext http)
    {
        var options = keys.CurrentValue;
        if (!AnonymousReads.Allowed(options, http)) return null;
        return new UiUser("anonymous", options.AllowAnonymousWrites ? ApiKeyRoles.Write : ApiKeyRoles.Read, SignedIn: false);
    }

    private static CookieOptions Options(HttpContext http, DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        SameSite = SameSiteMode.Strict,
        Secure = http.Request.IsHttps,
        Path = CookiePath,
        Expires = expires,
        IsEssential = true,
    };
}
