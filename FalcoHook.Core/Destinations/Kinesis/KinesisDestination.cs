using FalcoHook.Core.Destinations.Aws;

namespace FalcoHook.Core.Destinations.Kinesis;

/// <summary>
/// <c>Type: kinesis</c>: alerts to an Amazon Kinesis data stream with <c>PutRecords</c> (JSON 1.1, <c>X-Amz-Target:
/// Kinesis_20131202.PutRecords</c>, SigV4 for service <c>kinesis</c>). API reference:
/// https://docs.aws.amazon.com/kinesis/latest/APIReference/API_PutRecords.html (at most 500 records and 5 MiB a
/// request, a record's data and partition key at most 1 MiB; the answer lists every record in order, a failed one with
/// <c>ErrorCode</c> <c>ProvisionedThroughputExceededException</c> or <c>InternalFailure</c>). Kinesis has no idempotency
/// key: a record sent again after a lost answer is in the stream twice (each carries its delivery id to deduplicate by).
/// </summary>
public sealed class KinesisDestination : DestinationType<KinesisSettings, KinesisSender>
{
    public override string Name => "kinesis";

    public override BatchDefaults Batching => BatchDefaults.Standard;

    public override IEnumerable<string> Validate(KinesisSettings settings, string at)
    {
        foreach (var error in AwsCheck.Validate(settings, at, Name)) yield return error;
        if (string.IsNullOrWhiteSpace(settings.Stream) && string.IsNullOrWhiteSpace(settings.StreamArn))
            yield return $"{at}:Stream (or StreamArn) is required for type {Name}";
        if (!string.IsNullOrWhiteSpace(settings.StreamArn) && !settings.StreamArn.StartsWith("arn:", StringComparison.Ordinal))
            yield return $"{at}:StreamArn must be an ARN (arn:aws:kinesis:<region>:<account>:stream/<name>)";
        if (string.IsNullOrWhiteSpace(settings.PartitionKey)) yield return $"{at}:PartitionKey must name a field (e.g. falco.hostname)";
    }

    /// <summary>Null: the sender addresses the regional endpoint or <c>ServiceUrl</c>.</summary>
    public override Uri? Endpoint(KinesisSettings settings) => null;

    public override IEnumerable<string> Secrets(KinesisSettings settings) => AwsCheck.Secrets(settings);
}
