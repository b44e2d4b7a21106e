using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Events;

/// <summary>
/// The pipeline's <see cref="IAlertDecisionSink"/> for the history: each alert and storm summary of a batch becomes an
/// event with its decisions and the ids of the deliveries the outbox made for it (the same ids
/// <see cref="DurableOutbox"/> derives), written in one transaction, then announced on the <see cref="EventFeed"/>.
/// A failed write fails the batch, which the drain hands over again; the store keeps the last report of an event.
/// </summary>
public sealed class EventRecorder(IEventStore store, EventFeed feed, TimeProvider time) : IAlertDecisionSink
{
    public async Task RecordAsync(IReadOnlyList<AlertDecisions> decisions, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var records = new List<EventRecord>(decisions.Count);
        foreach (var item in decisions) records.Add(ToRecord(item, now));
        var stored = await store.RecordAsync(records, now, cancellationToken).ConfigureAwait(false);
        feed.Publish(stored);
    }

    public static EventRecord ToRecord(AlertDecisions item, DateTimeOffset now)
    {
        var notification = item.Notification;
        var origin = notification.Digest is null ? notification.Origin : null;
        var deliveries = new List<EventDeliveryRef>();
        foreach (var decision in item.Decisions)
        {
            if (decision.Kind != DecisionKind.Routed) continue;
            foreach (var destination in decision.Destinations.Distinct(StringComparer.Ordinal))
                deliveries.Add(new EventDeliveryRef(
                    origin is null ? DurableOutbox.IdForSummary(notification, destination) : DurableOutbox.IdFor(origin, destination, 0),
                    destination));
        }
        return new EventRecord(origin is null ? EventKind.Summary : EventKind.Alert, notification, origin?.Received ?? now,
            item.Decisions, deliveries);
    }
}
