using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Destinations;

/// <summary>Sends one delivery to one destination of its <see cref="Type"/> and says what happened.</summary>
public interface IDestinationSender
{
    /// <summary><c>slack</c>, <c>pagerduty</c> or <c>webhook</c>: the destination's <c>Type</c>.</summary>
    string Type { get; }

    /// <summary>
    /// One attempt. Transport failures and timeouts come back as a retryable result; only cancellation of
    /// <paramref name="cancellationToken"/> throws.
    /// </summary>
    Task<SendResult> SendAsync(DeliveryAttempt attempt, CancellationToken cancellationToken);
}

/// <summary>What a sender needs: the stable delivery id, the destination, the notification, and which attempt this is.</summary>
public sealed record DeliveryAttempt(string DeliveryId, string DestinationName, DestinationOptions Destination, Notification Notification, int Attempt);

public enum SendOutcome
{
    Delivered,
    Retry,
    Permanent,
}

/// <summary>The outcome of one attempt. <see cref="Error"/> is redacted before it is stored or shown.</summary>
public sealed record SendResult(SendOutcome Outcome, string? Error = null, TimeSpan? RetryAfter = null)
{
    public static readonly SendResult Delivered = new(SendOutcome.Delivered);
    public static SendResult Retry(string error, TimeSpan? retryAfter = null) => new(SendOutcome.Retry, error, retryAfter);
    public static SendResult Permanent(string error) => new(SendOutcome.Permanent, error);
}
