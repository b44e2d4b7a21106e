using FalcoHook.Core.Delivery;
using FalcoHook.Core.Storage;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Events;

/// <summary>
/// What the API and the web UI read: events (filtered, newest first, by cursor), one event with its deliveries' state
/// from the outbox, stats, and the live feed.
/// </summary>
public sealed class EventService(IEventStore store, IOutboxStore outbox, EventFeed feed, IOptionsMonitor<EventsOptions> options, TimeProvider time)
{
    /// <summary>False when <c>FalcoHook:Events:Enabled</c> is off: nothing is recorded.</summary>
    public bool Enabled => options.CurrentValue.Enabled;

    public Task<EventPage> QueryAsync(EventQuery query, string? cursor, int limit, CancellationToken cancellationToken) =>
        store.QueryAsync(query, cursor, limit, cancellationToken);

    public Task<EventStats> StatsAsync(EventQuery query, TimeSpan? bucket, CancellationToken cancellationToken) =>
        store.StatsAsync(query, bucket, time.GetUtcNow(), cancellationToken);

    public IAsyncEnumerable<StoredEvent> ListenAsync(CancellationToken cancellationToken) => feed.ListenAsync(cancellationToken);

    /// <summary>
    /// One event; each delivery as the outbox has it now. A delivery the outbox no longer has was delivered and purged
    /// (the outbox deletes delivered rows only): it shows as delivered, <see cref="EventDelivery.Purged"/>.
    /// </summary>
    public async Task<EventDetail?> GetAsync(long id, CancellationToken cancellationToken)
    {
        if (await store.GetAsync(id, cancellationToken).ConfigureAwait(false) is not { } found) return null;
        var deliveries = new List<EventDelivery>(found.Deliveries.Count);
        foreach (var reference in found.Deliveries)
        {
            var record = await outbox.GetAsync(reference.Id, cancellationToken).ConfigureAwait(false);
            deliveries.Add(record is null
                ? new EventDelivery(reference.Id, reference.Destination, DeliveryState.Delivered, null, null, null, null, Purged: true)
                : new EventDelivery(record.Id, record.Destination, record.State, record.Attempts, record.LastError, record.Updated,
                    record.State is DeliveryState.Pending or DeliveryState.Sending ? record.NextAttemptAt : null, Purged: false));
        }
        return found.Detail with { Deliveries = deliveries };
    }
}
