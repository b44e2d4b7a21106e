namespace FalcoHook.Tests.Support.Kafka;

/// <summary>The API keys and error codes of kafka.apache.org/protocol that the broker fake uses.</summary>
internal static class KafkaApis
{
    public const short Produce = 0;
    public const short Fetch = 1;
    public const short Metadata = 3;
    public const short ApiVersions = 18;
    public const short InitProducerId = 22;

    /// <summary>
    /// What the fake advertises in ApiVersions, each range chosen below the first flexible (tagged-field) version.
    /// Fetch 0–4 is listed only because librdkafka enables message format v2 (and so idempotence) when the broker
    /// lists Produce 3 and Fetch 4; a producer never sends Fetch, and the fake refuses one.
    /// </summary>
    public static readonly (short Key, short Min, short Max)[] Advertised =
    [
        (Produce, 0, 3),
        (Fetch, 0, 4),
        (Metadata, 0, 1),
        (ApiVersions, 0, 2),
        (InitProducerId, 0, 1),
    ];

    public static bool Supports(short key, short version) => Advertised.Any(a => a.Key == key && version >= a.Min && version <= a.Max);
}

/// <summary>Error codes (kafka.apache.org/protocol#protocol_error_codes).</summary>
public static class KafkaErrors
{
    public const short None = 0;
    public const short CorruptMessage = 2;
    public const short UnknownTopicOrPartition = 3;
    public const short MessageTooLarge = 10;
    public const short NotEnoughReplicas = 19;
    public const short InvalidRequiredAcks = 21;
    public const short TopicAuthorizationFailed = 29;
    public const short UnsupportedVersion = 35;
    public const short OutOfOrderSequenceNumber = 45;
    public const short InvalidProducerEpoch = 47;
    public const short UnknownProducerId = 59;
    public const short UnsupportedCompressionType = 76;
}
