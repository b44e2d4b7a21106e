using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Ingest;

/// <summary>
/// Keeps the most recent alerts the drain handed over (at most <see cref="Capacity"/>) and a total count.
/// The batch handler until the pipeline is configured; tests read what arrived from it.
/// </summary>
public sealed class RecordingBatchHandler : IAlertBatchHandler
{
    public const int Capacity = 10_000;
    private readonly Queue<FalcoAlert> _recent = new();
    private readonly Lock _gate = new();
    private long _total;

    public long Total => Interlocked.Read(ref _total);

    public Task HandleAsync(IReadOnlyList<FalcoAlert> batch, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            foreach (var alert in batch)
            {
                if (_recent.Count == Capacity) _recent.Dequeue();
                _recent.Enqueue(alert);
            }
            _total += batch.Count;
        }
        return Task.CompletedTask;
    }

    public IReadOnlyList<FalcoAlert> Snapshot()
    {
        lock (_gate) return [.. _recent];
    }
}
