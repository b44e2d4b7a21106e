namespace FalcoHook.Core.Destinations.Mqtt;

/// <summary>
/// <c>Type: mqtt</c>: each alert as one MQTT message (the alert's JSON with the summary fields) on <c>Topic</c>, QoS 1,
/// not retained, over MQTT 3.1.1 or 5 (https://docs.oasis-open.org/mqtt/mqtt/v5.0/mqtt-v5.0.html), from one long-lived
/// client per destination with a persistent session (clean session off, a stable client id). A delivery counts once the
/// broker's PUBACK arrived; a send while the client is disconnected fails and the outbox retries it. At least once: a
/// PUBACK lost with the connection makes the message go again (MQTT 5 messages carry the delivery id as the user
/// property <c>falcohook-delivery-id</c>, so subscribers can drop repeats).
/// </summary>
public sealed class MqttDestination : DestinationType<MqttSettings, MqttSender>
{
    public override string Name => "mqtt";

    /// <summary>A batch is published message by message on the one connection, each awaiting its PUBACK.</summary>
    public override BatchDefaults Batching => new(100, TimeSpan.FromMilliseconds(50));

    public override IEnumerable<string> Validate(MqttSettings settings, string at)
    {
        if (string.IsNullOrWhiteSpace(settings.Url)) yield return $"{at}:Url is required for type {Name}";
        else if (!(Uri.TryCreate(settings.Url, UriKind.Absolute, out var uri) && uri.Scheme is "mqtt" or "mqtts" && uri.Host.Length > 0 && uri.AbsolutePath is "" or "/"))
            yield return $"{at}:Url must be mqtt://host:port or mqtts://host:port";
        if (string.IsNullOrWhiteSpace(settings.Topic)) yield return $"{at}:Topic is required for type {Name}";
        else if (settings.Topic.IndexOfAny(['+', '#', '\0']) >= 0) yield return $"{at}:Topic must not contain the wildcards + or # (got '{settings.Topic}')";
        else if (System.Text.Encoding.UTF8.GetByteCount(settings.Topic) > 65535) yield return $"{at}:Topic must be at most 65535 bytes";
        if (MqttLink.Version(settings.ProtocolVersion) is null) yield return $"{at}:ProtocolVersion must be 3.1.1 or 5 (got '{settings.ProtocolVersion}')";
        if (settings.ClientId is { } id && (id.Length == 0 || System.Text.Encoding.UTF8.GetByteCount(id) > 65535)) yield return $"{at}:ClientId must be 1 to 65535 bytes";
        if (string.IsNullOrEmpty(settings.Password) is false && string.IsNullOrEmpty(settings.Username)) yield return $"{at}:Password needs a Username";
        foreach (var error in settings.Tls?.Validate(at, "Tls") ?? []) yield return error;
        if (settings.Tls is { IsEmpty: false } && settings.Url?.StartsWith("mqtts://", StringComparison.OrdinalIgnoreCase) == false)
            yield return $"{at}:Tls needs an mqtts:// Url (TLS is on only with mqtts://)";
        if (settings.SessionExpiry < TimeSpan.Zero || settings.SessionExpiry.TotalSeconds > uint.MaxValue) yield return $"{at}:SessionExpiry must be between 0 and {uint.MaxValue} seconds";
    }

    /// <summary>Null: not HTTP.</summary>
    public override Uri? Endpoint(MqttSettings settings) => null;

    public override IEnumerable<string> Secrets(MqttSettings settings)
    {
        if (!string.IsNullOrEmpty(settings.Password)) yield return settings.Password;
        foreach (var secret in settings.Tls?.Secrets() ?? []) yield return secret;
    }
}
