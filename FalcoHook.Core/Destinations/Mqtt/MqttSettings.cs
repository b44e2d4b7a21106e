namespace FalcoHook.Core.Destinations.Mqtt;

/// <summary>The keys of a <c>Type: mqtt</c> destination besides the shared ones.</summary>
public sealed class MqttSettings
{
    /// <summary><c>mqtt://host:1883</c> or <c>mqtts://host:8883</c> (TLS) (required).</summary>
    public string? Url { get; set; }

    /// <summary>The topic every alert is published to (required; no wildcards).</summary>
    public string? Topic { get; set; }

    /// <summary><c>3.1.1</c> (default) or <c>5</c>.</summary>
    public string ProtocolVersion { get; set; } = "3.1.1";

    /// <summary>The client identifier of the destination's session; unset: <c>falcohook-&lt;destination name&gt;</c>.</summary>
    public string? ClientId { get; set; }

    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>
    /// TLS: <c>CaCertificates</c> the broker's certificate may chain to besides the system's, and a
    /// <c>ClientCertificate</c> with its <c>ClientKey</c> for a broker with <c>require_certificate</c>; with an <c>mqtts://</c> Url.
    /// </summary>
    public DestinationTls? Tls { get; set; }

    /// <summary>MQTT 5: how long the broker keeps the session after a disconnect (MQTT 3.1.1 brokers keep it as they are configured).</summary>
    public TimeSpan SessionExpiry { get; set; } = TimeSpan.FromHours(1);
}
