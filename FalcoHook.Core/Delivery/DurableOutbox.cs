using FalcoHook.Core.Storage;

namespace FalcoHook.Core.Delivery;

/// <summary>
/// The durable <see cref="IOutbox"/>: each (notification, destination) pair becomes a pending delivery with
/// a UUIDv7 id, stable across retries (the <c>webhook-id</c>). Returns once the rows are committed, then
/// wakes the dispatcher.
/// </summary>
public sealed class DurableOutbox(IOutboxStore store, DeliverySignal signal, TimeProvider time) : IOutbox
{
    public async Task EnqueueAsync(IReadOnlyList<RoutedNotification> notifications, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var rows = new List<NewDelivery>();
        foreach (var routed in notifications)
        {
            if (routed.Destinations.Count == 0) continue;
            var json = NotificationJson.Serialize(routed.Notification);
            foreach (var destination in routed.Destinations.Distinct(StringComparer.Ordinal))
                rows.Add(new NewDelivery(NewId(now), destination, json));
        }
        if (rows.Count == 0) return;
        await store.AddAsync(rows, now, cancellationToken).ConfigureAwait(false);
        signal.Set();
    }

    /// <summary>A UUIDv7 string: time-ordered, unique, stable once stored.</summary>
    public static string NewId(DateTimeOffset now) => "msg_" + Guid.CreateVersion7(now).ToString("N");
}
