using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Delivery;

/// <summary>
/// The end of the pipeline: every (notification, destination) pair becomes a delivery with a stable id.
/// Returns once the deliveries are recorded (durably for a durable outbox).
/// </summary>
public interface IOutbox
{
    Task EnqueueAsync(IReadOnlyList<RoutedNotification> notifications, CancellationToken cancellationToken);
}

/// <summary>
/// A notification and the names of the destinations (keys of FalcoHook:Destinations) that take it. The notification
/// is an alert from an inbox row (<see cref="Notification.Origin"/>) or a storm summary (<see cref="Notification.Digest"/>),
/// which is what its stable delivery ids derive from; anything else is refused here.
/// </summary>
public sealed record RoutedNotification
{
    public RoutedNotification(Notification notification, IReadOnlyList<string> destinations)
    {
        if (notification.Origin is null && notification.Digest is null)
            throw new ArgumentException("A notification to deliver is an alert with its inbox row (Origin) or a storm summary (Digest).", nameof(notification));
        Notification = notification;
        Destinations = destinations;
    }

    public Notification Notification { get; }

    public IReadOnlyList<string> Destinations { get; }
}
