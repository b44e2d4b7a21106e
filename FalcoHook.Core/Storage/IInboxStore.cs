using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Storage;

/// <summary>Durable storage of accepted, not yet processed alerts, in arrival order.</summary>
public interface IInboxStore
{
    /// <summary>Appends every batch in one transaction (a group commit); returns once it is durable.</summary>
    Task AppendAsync(IReadOnlyList<IReadOnlyList<FalcoAlert>> batches, DateTimeOffset received, CancellationToken cancellationToken);

    /// <summary>The oldest unprocessed alerts, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<InboxEntry>> ReadAsync(int max, CancellationToken cancellationToken);

    /// <summary>Forgets alerts the pipeline has handled.</summary>
    Task DeleteAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken);

    Task<long> CountAsync(CancellationToken cancellationToken);
}

/// <summary>One stored alert. A row that no longer parses comes back with <see cref="Alert"/> null and its error.</summary>
public sealed record InboxEntry(long Id, FalcoAlert? Alert, string? Error = null);
