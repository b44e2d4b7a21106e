namespace FalcoHook.Core.Events;

/// <summary>Where <see cref="EventHistoryWriter"/> puts the events it is handed: the store itself, or a spool in front of it.</summary>
public interface IEventRecordSink
{
    /// <summary>
    /// Records (or updates) the events in one transaction; returns them as stored, ids given. A sink that hands them on
    /// (<see cref="Spool.SpooledHistory"/>) returns none: they are announced when stored.
    /// </summary>
    Task<IReadOnlyList<StoredEvent>> RecordAsync(IReadOnlyList<EventRecord> records, DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>
/// The alert history's storage: events written idempotently (an event reported again replaces its decisions and
/// deliveries), read newest first with filters and free text, counted, and pruned oldest first in small steps.
/// </summary>
public interface IEventStore : IEventRecordSink
{

    /// <summary>Up to <paramref name="limit"/> events matching <paramref name="query"/>, newest first, after <paramref name="cursor"/>.</summary>
    Task<EventPage> QueryAsync(EventQuery query, string? cursor, int limit, CancellationToken cancellationToken);

    /// <summary>One event and the deliveries it made (their state is the outbox's).</summary>
    Task<(EventDetail Detail, IReadOnlyList<EventDeliveryRef> Deliveries)?> GetAsync(long id, CancellationToken cancellationToken);

    /// <summary>Counts of the alerts matching <paramref name="query"/> (see <see cref="EventStats"/>).</summary>
    Task<EventStats> StatsAsync(EventQuery query, TimeSpan? bucket, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>How many events are kept.</summary>
    Task<long> CountAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Deletes, oldest first, up to <paramref name="max"/> events: the first <paramref name="excess"/> whatever their age,
    /// then those recorded before <paramref name="recordedBefore"/>. Returns how many went.
    /// </summary>
    Task<int> DeleteOldestAsync(DateTimeOffset recordedBefore, long excess, int max, CancellationToken cancellationToken);
}

/// <summary>Limits the stores share.</summary>
public static class EventStore
{
    /// <summary>Held alerts a summary's detail lists at most.</summary>
    public const int MaxHeldListed = 1000;

    /// <summary>Keys per dimension in <see cref="EventStats"/>.</summary>
    public const int MaxStatsKeys = 50;

    /// <summary>Page size limit of <see cref="IEventStore.QueryAsync"/>.</summary>
    public const int MaxPageSize = 1000;
}
