using FalcoHook.Core.Alerts;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Tests.Support;

/// <summary>
/// Hears of every batch the service's handler chain handled and keeps the most recent alerts (at most
/// <see cref="Capacity"/>) and a total count, so tests see exactly what left the inbox.
/// </summary>
public sealed class RecordingBatchObserver : IAlertBatchObserver
{
    public const int Capacity = 10_000;
    private readonly Queue<FalcoAlert> _recent = new();
    private readonly Lock _gate = new();
    private long _total;

    public long Total => Interlocked.Read(ref _total);

    public void Handled(IReadOnlyList<InboxAlert> batch)
    {
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
