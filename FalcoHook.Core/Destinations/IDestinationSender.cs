using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Destinations;

/// <summary>Sends one delivery to one destination and says what happened.</summary>
public interface IDestinationSender
{
    /// <summary>
    /// One attempt. Transport failures and timeouts come back as a retryable result; only cancellation of
    /// <paramref name="cancellationToken"/> throws.
    /// </summary>
    Task<SendResult> SendAsync(DeliveryAttempt attempt, CancellationToken cancellationToken);
}

/// <summary>The sender of one type: each attempt comes with the destination's settings of that type.</summary>
public abstract class DestinationSender<TSettings> : IDestinationSender where TSettings : class
{
    public Task<SendResult> SendAsync(DeliveryAttempt attempt, CancellationToken cancellationToken) =>
        SendAsync(attempt, (TSettings)attempt.Destination.Settings, cancellationToken);

    protected abstract Task<SendResult> SendAsync(DeliveryAttempt attempt, TSettings settings, CancellationToken cancellationToken);
}

/// <summary>What a sender needs: the stable delivery id, the destination, the notification, and which attempt this is.</summary>
public sealed record DeliveryAttempt(string DeliveryId, ConfiguredDestination Destination, Notification Notification, int Attempt);

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
