using FalcoHook.Core.Destinations.Aws;

namespace FalcoHook.Core.Destinations.Sns;

/// <summary>
/// <c>Type: sns</c>: alerts to an Amazon SNS topic with <c>PublishBatch</c> (the Query protocol: a form-encoded POST with
/// <c>Action=PublishBatch</c>, <c>Version=2010-03-31</c>, SigV4 for service <c>sns</c>; an XML answer). API reference:
/// https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html (at most 10 entries and 262,144 bytes of messages a
/// request; each entry answered in <c>Successful</c> or in <c>Failed</c> with <c>SenderFault</c>). A FIFO topic
/// deduplicates by <c>MessageDeduplicationId</c> (the delivery id) for five minutes; a standard topic has no idempotency key.
/// </summary>
public sealed class SnsDestination : DestinationType<SnsSettings, SnsSender>
{
    public override string Name => "sns";

    /// <summary>100 deliveries a claim, sent as requests of at most 10.</summary>
    public override BatchDefaults Batching => new(100, TimeSpan.FromSeconds(1));

    public override IEnumerable<string> Validate(SnsSettings settings, string at)
    {
        foreach (var error in AwsCheck.Validate(settings, at, Name)) yield return error;
        if (string.IsNullOrWhiteSpace(settings.TopicArn)) yield return $"{at}:TopicArn is required for type {Name}";
        else if (!settings.TopicArn.StartsWith("arn:", StringComparison.Ordinal) || settings.TopicArn.Split(':').Length != 6)
            yield return $"{at}:TopicArn must be a topic ARN (arn:aws:sns:<region>:<account>:<topic>)";
        if (!string.IsNullOrEmpty(settings.MessageGroupId) && settings.TopicArn?.EndsWith(".fifo", StringComparison.Ordinal) != true)
            yield return $"{at}:MessageGroupId is for FIFO topics (a TopicArn ending in .fifo)";
        if (!string.IsNullOrEmpty(settings.MessageGroupId) && AwsIds.GroupId(settings.MessageGroupId) != settings.MessageGroupId)
            yield return $"{at}:MessageGroupId must be at most 128 letters, digits or punctuation (got '{settings.MessageGroupId}')";
        if (settings.Subject is { Length: > 100 }) yield return $"{at}:Subject must be at most 100 characters";
    }

    /// <summary>Null: the sender addresses the regional endpoint or <c>ServiceUrl</c>.</summary>
    public override Uri? Endpoint(SnsSettings settings) => null;

    public override IEnumerable<string> Secrets(SnsSettings settings) => AwsCheck.Secrets(settings);
}
