using FalcoHook.Core.Destinations.Aws;

namespace FalcoHook.Core.Destinations.Sqs;

/// <summary>The keys of a <c>Type: sqs</c> destination besides the shared ones and <see cref="AwsSettings"/>.</summary>
public sealed class SqsSettings : AwsSettings
{
    /// <summary>The queue URL (required), e.g. <c>https://sqs.us-east-1.amazonaws.com/123456789012/falco</c>; a name ending in <c>.fifo</c> is a FIFO queue.</summary>
    public string? QueueUrl { get; set; }

    /// <summary>For a FIFO queue: the message group of every alert; unset means the alert's rule (alerts of one rule stay in order).</summary>
    public string? MessageGroupId { get; set; }
}
