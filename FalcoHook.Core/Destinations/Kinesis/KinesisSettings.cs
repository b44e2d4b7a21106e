using FalcoHook.Core.Destinations.Aws;

namespace FalcoHook.Core.Destinations.Kinesis;

/// <summary>The keys of a <c>Type: kinesis</c> destination besides the shared ones and <see cref="AwsSettings"/>.</summary>
public sealed class KinesisSettings : AwsSettings
{
    /// <summary>The data stream's name; this or <see cref="StreamArn"/> is required.</summary>
    public string? Stream { get; set; }

    /// <summary>The data stream's ARN (AWS recommends it over the name); this or <see cref="Stream"/> is required.</summary>
    public string? StreamArn { get; set; }

    /// <summary>The field whose value is each record's partition key (alerts with the same value go to the same shard, in order); an alert without it uses its delivery id.</summary>
    public string PartitionKey { get; set; } = "falco.hostname";
}
