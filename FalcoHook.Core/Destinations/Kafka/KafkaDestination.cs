using System.Text.RegularExpressions;

namespace FalcoHook.Core.Destinations.Kafka;

/// <summary>
/// <c>Type: kafka</c>: each alert's JSON (summary fields included) as one record on <c>Topic</c>, with headers
/// <c>content-type: application/json</c> and <c>falcohook-delivery-id</c>, keyed by <c>KeyField</c> when set, from one
/// long-lived Confluent.Kafka (librdkafka) producer per destination with <c>acks=all</c> and
/// <c>enable.idempotence=true</c>: a delivery counts as delivered only when its delivery report says the record is
/// persisted; the producer's own retries within a session are written once by the brokers (producer id and
/// sequence numbers). References: https://kafka.apache.org/protocol (the wire protocol),
/// https://docs.confluent.io/platform/current/clients/librdkafka/html/md_CONFIGURATION.html (producer settings),
/// https://github.com/confluentinc/librdkafka/blob/master/INTRODUCTION.md#idempotent-producer.
/// </summary>
public sealed partial class KafkaDestination : DestinationType<KafkaSettings, KafkaSender>
{
    public static readonly string[] Compressions = ["none", "gzip", "snappy", "lz4", "zstd"];
    public static readonly string[] Mechanisms = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"];

    public override string Name => "kafka";

    public override BatchDefaults Batching => new(500, TimeSpan.FromMilliseconds(200));

    public override IEnumerable<string> Validate(KafkaSettings settings, string at)
    {
        if (string.IsNullOrWhiteSpace(settings.BootstrapServers)) yield return $"{at}:BootstrapServers is required for type {Name}";
        else if (settings.BootstrapServers.Split(',', StringSplitOptions.TrimEntries).FirstOrDefault(s => !IsHostPort(s)) is { } bad)
            yield return $"{at}:BootstrapServers must be host:port pairs separated by commas (got '{bad}')";
        if (string.IsNullOrWhiteSpace(settings.Topic)) yield return $"{at}:Topic is required for type {Name}";
        else if (!TopicName().IsMatch(settings.Topic) || settings.Topic is "." or "..")
            yield return $"{at}:Topic must be 1 to 249 of a-z, A-Z, 0-9, '.', '_' and '-' (got '{settings.Topic}')";
        if (settings.KeyField is { } key && string.IsNullOrWhiteSpace(key)) yield return $"{at}:KeyField must name an alert field (e.g. hostname)";
        if (settings.Compression is { } compression && !Compressions.Contains(compression, StringComparer.OrdinalIgnoreCase))
            yield return $"{at}:Compression must be one of {string.Join(", ", Compressions)} (got '{compression}')";
        if (settings.MessageTimeout is { } timeout && timeout <= TimeSpan.Zero) yield return $"{at}:MessageTimeout must be positive";
        if (settings.Sasl is { } sasl)
        {
            if (!Mechanisms.Contains(sasl.Mechanism ?? "", StringComparer.OrdinalIgnoreCase))
                yield return $"{at}:Sasl:Mechanism must be one of {string.Join(", ", Mechanisms)} (got '{sasl.Mechanism}')";
            if (string.IsNullOrEmpty(sasl.User) || string.IsNullOrEmpty(sasl.Password)) yield return $"{at}:Sasl:User and Sasl:Password are both required";
        }
        if (settings.Tls is { } tls)
            foreach (var error in tls.AsDestinationTls().Validate(at)) yield return error.Replace("Https:", "Tls:", StringComparison.Ordinal);
    }

    /// <summary>Null: not HTTP.</summary>
    public override Uri? Endpoint(KafkaSettings settings) => null;

    public override IEnumerable<string> Secrets(KafkaSettings settings)
    {
        if (settings.Sasl?.Password is { Length: > 0 } password) yield return password;
        if (settings.Tls is { } tls)
            foreach (var secret in tls.AsDestinationTls().Secrets()) yield return secret;
    }

    private static bool IsHostPort(string server)
    {
        var colon = server.LastIndexOf(':');
        return colon > 0 && int.TryParse(server[(colon + 1)..], out var port) && port is > 0 and <= 65535
            && Uri.CheckHostName(server[..colon].Trim('[', ']')) != UriHostNameType.Unknown;
    }

    [GeneratedRegex("^[a-zA-Z0-9._-]{1,249}$")]
    private static partial Regex TopicName();
}
