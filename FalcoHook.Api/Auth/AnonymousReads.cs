using System.Net;

namespace FalcoHook.Api.Auth;

/// <summary>Who may read without a key, as <see cref="ApiKeyOptions.AllowAnonymousReads"/> and the configured keys decide.</summary>
public enum AnonymousReadScope
{
    /// <summary>Nobody: every read needs a key.</summary>
    None,

    /// <summary>Requests from this machine only (no key is configured and <c>AllowAnonymousReads</c> is unset).</summary>
    LocalMachine,

    /// <summary>Anyone (<c>AllowAnonymousReads: true</c>).</summary>
    Anyone,
}

public static class AnonymousReads
{
    public static AnonymousReadScope Scope(ApiKeyOptions options) => options.AllowAnonymousReads switch
    {
        true => AnonymousReadScope.Anyone,
        false => AnonymousReadScope.None,
        null => options.ApiKeys.Count == 0 ? AnonymousReadScope.LocalMachine : AnonymousReadScope.None,
    };

    public static bool Allowed(ApiKeyOptions options, HttpContext? context) => Scope(options) switch
    {
        AnonymousReadScope.Anyone => true,
        AnonymousReadScope.LocalMachine => context is not null && IsLocal(context.Connection.RemoteIpAddress),
        _ => false,
    };

    /// <summary>
    /// A loopback peer (IPv4 127.0.0.0/8, ::1, or IPv4 loopback mapped into IPv6), or none at all: a transport without
    /// an IP peer (a Unix socket, the in-process test server) is on this machine too.
    /// </summary>
    public static bool IsLocal(IPAddress? remote)
    {
        if (remote is null) return true;
        if (remote.IsIPv4MappedToIPv6) remote = remote.MapToIPv4();
        return IPAddress.IsLoopback(remote);
    }
}
