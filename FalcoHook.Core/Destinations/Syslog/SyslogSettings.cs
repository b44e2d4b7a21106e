namespace FalcoHook.Core.Destinations.Syslog;

/// <summary>The keys of a <c>Type: syslog</c> destination besides the shared ones.</summary>
public sealed class SyslogSettings
{
    /// <summary>The receiver's host name or address (required).</summary>
    public string? Host { get; set; }

    /// <summary>Unset: 514 for udp and tcp, 6514 for tls.</summary>
    public int? Port { get; set; }

    /// <summary><c>udp</c>, <c>tcp</c> (default) or <c>tls</c>; over tcp and tls each message is octet-counted (<c>LEN SP MSG</c>, RFC 6587 / RFC 5425).</summary>
    public string Protocol { get; set; } = "tcp";

    /// <summary><c>rfc5424</c> (default) or <c>rfc3164</c> (BSD syslog, for old receivers).</summary>
    public string Format { get; set; } = "rfc5424";

    /// <summary>The facility by name (<c>kern</c>, <c>user</c>, … <c>local0</c>–<c>local7</c>).</summary>
    public string Facility { get; set; } = "local0";

    /// <summary>APP-NAME (RFC 5424) or TAG (RFC 3164).</summary>
    public string AppName { get; set; } = "falco";

    /// <summary>For tls: a PEM file of the CA that signed the receiver's certificate, instead of the system's trust store.</summary>
    public string? CaFile { get; set; }

    public int EffectivePort => Port ?? (Protocol.Equals("tls", StringComparison.OrdinalIgnoreCase) ? 6514 : 514);
}
