using FalcoHook.Core.Storage;

namespace FalcoHook.Core.Ingest;

/// <summary>What the inbox API does with <c>inbox_dead</c>: list the alerts set aside, and hand one to the pipeline again.</summary>
public sealed class DeadInboxService(IInboxStore store, DurableAlertInbox inbox)
{
    public Task<IReadOnlyList<DeadInboxEntry>> ListAsync(int max, CancellationToken cancellationToken) => store.ListDeadAsync(max, cancellationToken);

    /// <summary>Puts the row back at the head of the inbox (after a fix to the pipeline, say). False when there is no such dead row.</summary>
    public async Task<bool> RetryAsync(long id, CancellationToken cancellationToken)
    {
        if (!await store.RequeueDeadAsync(id, cancellationToken).ConfigureAwait(false)) return false;
        inbox.Requeued(1);
        return true;
    }
}
