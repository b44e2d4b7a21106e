namespace FalcoHook.Core.Ingest;

/// <summary>
/// Work that the handling of a batch hands to a writer of its own instead of doing it in the drain's turn (the alert
/// history, <see cref="Events.EventHistoryWriter"/>). The drain deletes a handled batch's inbox rows only once this work
/// has passed the <see cref="Mark"/> taken after the batch, so a crash before then hands the rows over again, and the work
/// is done again then; the pipeline handles a row it handled before without new deliveries or state.
/// </summary>
public interface IInboxDeleteBarrier
{
    /// <summary>A mark covering everything handed over so far.</summary>
    long Mark();

    /// <summary>Whether everything up to <paramref name="mark"/> is done.</summary>
    bool Passed(long mark);

    /// <summary>Completes once <see cref="Passed"/> is true for <paramref name="mark"/>.</summary>
    Task WaitAsync(long mark, CancellationToken cancellationToken);
}
