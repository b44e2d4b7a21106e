namespace FalcoHook.Core.Destinations.Syslog;

/// <summary>
/// <c>Type: syslog</c>: alerts as syslog messages, the MSG being the alert's JSON (summary fields included); the severity
/// from the priority. RFC 5424 (https://www.rfc-editor.org/rfc/rfc5424) or RFC 3164; over UDP one datagram per message,
/// over TCP and TLS (RFC 5425) octet-counted frames (RFC 6587 §3.4.1) on one long-lived connection per destination.
/// A batch is written in one go. Syslog has no acknowledgement and no idempotency key: over TCP and TLS a write counts
/// as delivered once the connection took it (a connection the receiver closed is noticed before the next write, and the
/// batch is retried on a new one); over UDP a datagram sent counts as delivered.
/// </summary>
public sealed class SyslogDestination : DestinationType<SyslogSettings, SyslogSender>
{
    public override string Name => "syslog";

    public override BatchDefaults Batching => new(500, TimeSpan.FromMilliseconds(200));

    public override IEnumerable<string> Validate(SyslogSettings settings, string at)
    {
        if (string.IsNullOrWhiteSpace(settings.Host)) yield return $"{at}:Host is required for type {Name}";
        if (settings.Port is < 1 or > 65535) yield return $"{at}:Port must be between 1 and 65535";
        if (settings.Protocol.Trim().ToLowerInvariant() is not ("udp" or "tcp" or "tls")) yield return $"{at}:Protocol must be udp, tcp or tls (got '{settings.Protocol}')";
        if (settings.Format.Trim().ToLowerInvariant() is not ("rfc5424" or "rfc3164")) yield return $"{at}:Format must be rfc5424 or rfc3164 (got '{settings.Format}')";
        if (SyslogMessage.FacilityCode(settings.Facility) is null) yield return $"{at}:Facility must be a syslog facility name such as local0 or daemon (got '{settings.Facility}')";
        if (string.IsNullOrWhiteSpace(settings.AppName) || settings.AppName.Length > 48 || settings.AppName.Any(c => c is <= ' ' or > '~'))
            yield return $"{at}:AppName must be 1 to 48 printable ASCII characters without spaces";
        if (settings.CaFile is { } ca && !File.Exists(ca)) yield return $"{at}:CaFile '{ca}' does not exist";
    }

    /// <summary>Null: not HTTP.</summary>
    public override Uri? Endpoint(SyslogSettings settings) => null;
}
