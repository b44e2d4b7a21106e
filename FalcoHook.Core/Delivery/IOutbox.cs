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

/// <summary>A notification and the names of the destinations (keys of FalcoHook:Destinations) that take it.</summary>
public sealed record RoutedNotification(Notification Notification, IReadOnlyList<string> Destinations);
