using FalcoHook.Core.Destinations.Aws;

namespace FalcoHook.Core.Destinations.Sqs;

/// <summary>
/// <c>Type: sqs</c>: alerts to an Amazon SQS queue with <c>SendMessageBatch</c> through AWSSDK.SQS (the JSON protocol,
/// SigV4). API reference: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html
/// (at most 10 entries and 262,144 bytes of messages a request; each entry answered in <c>Successful</c> or in
/// <c>Failed</c> with <c>SenderFault</c>). A FIFO queue deduplicates by <c>MessageDeduplicationId</c> (the delivery id)
/// for five minutes, so a batch sent again adds no duplicate; a standard queue has no idempotency key.
/// </summary>
public sealed class SqsDestination : DestinationType<SqsSettings, SqsSender>
{
    public override string Name => "sqs";

    /// <summary>100 deliveries a claim, sent as requests of at most 10.</summary>
    public override BatchDefaults Batching => new(100, TimeSpan.FromSeconds(1));

    public override IEnumerable<string> Validate(SqsSettings settings, string at)
    {
        foreach (var error in AwsCheck.Validate(settings, at, Name)) yield return error;
        foreach (var error in CheckUrl(settings.QueueUrl, at, required: true, key: "QueueUrl")) yield return error;
        if (!string.IsNullOrEmpty(settings.MessageGroupId) && AwsIds.GroupId(settings.MessageGroupId) != settings.MessageGroupId)
            yield return $"{at}:MessageGroupId must be at most 128 letters, digits or punctuation (got '{settings.MessageGroupId}')";
        if (!string.IsNullOrEmpty(settings.MessageGroupId) && settings.QueueUrl?.EndsWith(".fifo", StringComparison.Ordinal) != true)
            yield return $"{at}:MessageGroupId is for FIFO queues (a QueueUrl ending in .fifo)";
    }

    /// <summary>Null: the SDK client addresses the queue.</summary>
    public override Uri? Endpoint(SqsSettings settings) => null;

    public override IEnumerable<string> Secrets(SqsSettings settings) => AwsCheck.Secrets(settings);
}
