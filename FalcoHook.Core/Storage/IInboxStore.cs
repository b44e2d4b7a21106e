using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Storage;

/// <summary>Durable storage of accepted, not yet processed alerts, in arrival order.</summary>
public interface IInboxStore
{
    /// <summary>
    /// Appends every batch in one transaction (a group commit); returns once it is durable, with the rows as
    /// <see cref="ReadAsync"/> would return them (ids ascending, in the order given).
    /// </summary>
    Task<IReadOnlyList<InboxEntry>> AppendAsync(IReadOnlyList<InboxAppend> batches, DateTimeOffset received, CancellationToken cancellationToken);

    /// <summary>The oldest unprocessed alerts with ids above <paramref name="after"/>, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<InboxEntry>> ReadAfterAsync(long after, int max, CancellationToken cancellationToken);

    /// <summary>Forgets alerts the pipeline has handled.</summary>
    Task DeleteAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken);

    Task<long> CountAsync(CancellationToken cancellationToken);

    /// <summary>When the oldest unprocessed alert was accepted, or null when the inbox is empty.</summary>
    Task<DateTimeOffset?> OldestReceivedAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Moves a row the pipeline cannot take to the dead inbox (kept with its error, never handed over again), in one
    /// transaction. False when the row is gone already.
    /// </summary>
    Task<bool> MoveToDeadAsync(long id, string error, int attempts, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Puts a dead row back into the inbox under its own id (so it is handled next, and makes the delivery ids its
    /// row always makes). False when there is no such dead row.
    /// </summary>
    Task<bool> RequeueDeadAsync(long id, CancellationToken cancellationToken);

    /// <summary>The dead inbox, oldest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<DeadInboxEntry>> ListDeadAsync(int max, CancellationToken cancellationToken);
}

/// <summary>One request's alerts for the inbox, with the W3C traceparent of the request that brought them (if traced).</summary>
public sealed record InboxAppend(IReadOnlyList<FalcoAlert> Alerts, string? TraceParent = null);

/// <summary>
/// One stored alert. A row that no longer parses comes back with <see cref="Alert"/> null and its error;
/// <see cref="Json"/> is the row as stored.
/// </summary>
public sealed record InboxEntry(long Id, FalcoAlert? Alert, string? Error = null)
{
    public DateTimeOffset Received { get; init; }
    public string? TraceParent { get; init; }
    public string Json { get; init; } = "";
}

/// <summary>An alert the pipeline could not take: the inbox row as it was, why, and after how many attempts.</summary>
public sealed record DeadInboxEntry(long Id, DateTimeOffset Received, string Json, string? TraceParent, string Error, int Attempts, DateTimeOffset DeadAt);

public static class InboxStoreReads
{
    /// <summary>The oldest unprocessed alerts, at most <paramref name="max"/>.</summary>
    public static Task<IReadOnlyList<InboxEntry>> ReadAsync(this IInboxStore store, int max, CancellationToken cancellationToken) =>
        store.ReadAfterAsync(0, max, cancellationToken);
}
