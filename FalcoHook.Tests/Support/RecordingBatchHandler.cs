using FalcoHook.Core.Alerts;
using FalcoHook.Core.Ingest;

namespace FalcoHook.Tests.Support;

/// <summary>
/// Wraps the service's batch handler (the pipeline) and keeps the most recent alerts the inbox's drain handed
/// over (at most <see cref="Capacity"/>) and a total count, so tests see exactly what left the inbox.
/// </summary>
public sealed class RecordingBatchHandler(IAlertBatchHandler inner) : IAlertBatchHandler
{
    public const int Capacity = 10_000;
    private readonly Queue<FalcoAlert> _recent = new();
    private readonly Lock _gate = new();
    private long _total;

    public long Total => Interlocked.Read(ref _total);

    public async Task HandleAsync(IReadOnlyList<InboxAlert> batch, CancellationToken cancellationToken)
    {
        await inner.HandleAsync(batch, cancellationToken);
        lock (_gate)
        {
            foreach (var item in batch)
            {
                if (_recent.Count == Capacity) _recent.Dequeue();
                _recent.Enqueue(item.Alert);
            }
            _total += batch.Count;
        }
    }

    public IReadOnlyList<FalcoAlert> Snapshot()
    {
        lock (_gate) return [.. _recent];
    }
}
