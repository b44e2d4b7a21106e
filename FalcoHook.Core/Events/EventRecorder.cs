using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Events;

/// <summary>
/// The pipeline's <see cref="IAlertDecisionSink"/> for the history: each alert and storm summary of a batch becomes an
/// event with its decisions and the ids of the deliveries the outbox made for it (the same ids
/// <see cref="DurableOutbox"/> derives), queued for the <see cref="EventHistoryWriter"/>, which stores it behind the drain
/// (and holds back the delete of its inbox row until then). Waits only while the writer's queue is full.
/// </summary>
public sealed class EventRecorder(EventHistoryWriter writer, TimeProvider time) : IAlertDecisionSink
{
    public Task RecordAsync(IReadOnlyList<AlertDecisions> decisions, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var records = new List<EventRecord>(decisions.Count);
        foreach (var item in decisions) records.Add(ToRecord(item, now));
        return writer.QueueAsync(records, cancellationToken);
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
