using FalcoHook.Core.Storage;

namespace FalcoHook.Core.Delivery;

/// <summary>
/// Records the outcomes of concurrent sends in shared store writes, off the callers' path. A mark that finds no write
/// in progress starts one; marks that arrive while a write runs (or waits for the store's write turn) queue up and go
/// together in the next one. Each caller's task completes when the write that holds its outcome has committed (or fails
/// with that write's error), so a caller that has awaited its mark knows the row is recorded, as with a single mark.
/// </summary>
internal sealed class OutcomeMarker(IOutboxStore store, TimeProvider time)
{
    private readonly object _gate = new();
    private List<Queued> _queued = [];
    private bool _writing;

    public Task RecordAsync(DeliveryOutcome outcome)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            _queued.Add(new Queued(outcome, done));
            if (_writing) return done.Task;
            _writing = true;
        }
        _ = Task.Run(WriteQueuedAsync);
        return done.Task;
    }

    /// <summary>Writes what is queued, then what arrived meanwhile, until nothing is left.</summary>
    private async Task WriteQueuedAsync()
    {
        while (true)
        {
            List<Queued> batch;
            lock (_gate)
            {
                if (_queued.Count == 0)
                {
                    _writing = false;
                    return;
                }
                batch = _queued;
                _queued = [];
            }
            var outcomes = new DeliveryOutcome[batch.Count];
            for (var i = 0; i < batch.Count; i++) outcomes[i] = batch[i].Outcome;
            try
            {
                await store.RecordOutcomesAsync(outcomes, time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
                foreach (var queued in batch) queued.Done.TrySetResult();
            }
            catch (Exception e)
            {
                foreach (var queued in batch) queued.Done.TrySetException(e);
            }
        }
    }

    private readonly record struct Queued(DeliveryOutcome Outcome, TaskCompletionSource Done);
}
