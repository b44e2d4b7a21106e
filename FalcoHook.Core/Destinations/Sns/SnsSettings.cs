using FalcoHook.Core.Destinations.Aws;

namespace FalcoHook.Core.Destinations.Sns;

/// <summary>The keys of a <c>Type: sns</c> destination besides the shared ones and <see cref="AwsSettings"/>.</summary>
public sealed class SnsSettings : AwsSettings
{
    /// <summary>The topic's ARN (required), e.g. <c>arn:aws:sns:us-east-1:123456789012:falco</c>; a name ending in <c>.fifo</c> is a FIFO topic.</summary>
    public string? TopicArn { get; set; }

    /// <summary>For a FIFO topic: the message group of every alert; unset means the alert's rule.</summary>
    public string? MessageGroupId { get; set; }

    /// <summary>The message's <c>Subject</c> for e-mail subscriptions; unset means none.</summary>
    public string? Subject { get; set; }
}
