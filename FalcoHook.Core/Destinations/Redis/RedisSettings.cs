namespace FalcoHook.Core.Destinations.Redis;

/// <summary>The keys of a <c>Type: redis</c> destination besides the shared ones.</summary>
public sealed class RedisSettings
{
    /// <summary>The server (required): <c>redis://host:6379</c>, or <c>rediss://host:6380</c> for TLS. No credentials or path in it.</summary>
    public string? Url { get; set; }

    /// <summary>The stream's key (required); <c>XADD</c> creates the stream when it does not exist.</summary>
    public string? Stream { get; set; }

    /// <summary>When set, each <c>XADD</c> trims the stream to about this many entries (<c>MAXLEN ~ n</c>: whole nodes, so a little more may stay).</summary>
    public long? MaxLength { get; set; }

    /// <summary>The database index (<c>SELECT</c>).</summary>
    public int Database { get; set; }

    /// <summary>An ACL user (Redis 6 and later); unset with a <see cref="Password"/> means the <c>default</c> user (<c>requirepass</c>).</summary>
    public string? User { get; set; }

    public string? Password { get; set; }

    /// <summary>
    /// TLS: <c>CaCertificates</c> the server's certificate may chain to besides the system's, and a
    /// <c>ClientCertificate</c> with its <c>ClientKey</c> for a server with <c>tls-auth-clients</c>; with a <c>rediss://</c> Url.
    /// </summary>
    public DestinationTls? Tls { get; set; }
}
