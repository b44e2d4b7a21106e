namespace FalcoHook.Core.Pipeline;

/// <summary>
/// One step of the alert pipeline (Alertmanager's <c>notify.Stage</c>): takes a batch of notifications and
/// returns what goes on. A stage may drop, replace or add notifications; it never reads the wall clock
/// (time comes from the <see cref="TimeProvider"/> it was given).
/// </summary>
public interface IPipelineStage
{
    /// <summary>Short name for spans and logs: <c>enrich</c>, <c>filter</c>, <c>silence</c>…</summary>
    string Name { get; }

    ValueTask<IReadOnlyList<Notification>> ProcessAsync(IReadOnlyList<Notification> batch, CancellationToken cancellationToken);
}

/// <summary>
/// A stage that keeps state across batches (dedup, aggregate). The pipeline commits the changes a batch made
/// once the batch's output is in the outbox, and rolls them back when it is not, so a batch the inbox hands
/// over again is not mistaken for a repeat of itself.
/// </summary>
public interface IStatefulStage
{
    void Commit();

    void Rollback();
}
