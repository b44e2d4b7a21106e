using FalcoHook.Core.Alerts;
using FalcoHook.Core.Ingest;

namespace FalcoHook.Tests.Ingest;

/// <summary>A drain's handler that keeps the alerts it was given, in order; the drain tests share it.</summary>
internal sealed class RecordingAlertHandler : IAlertBatchHandler
{
    private readonly List<FalcoAlert> _handled = [];
    private int _calls;

    /// <summary>When set, the first call waits for it.</summary>
    public TaskCompletionSource? HoldFirstCall { get; init; }

    public int Calls => Volatile.Read(ref _calls);

    public IReadOnlyList<FalcoAlert> Handled
    {
        get { lock (_handled) return [.. _handled]; }
    }

    public async Task HandleAsync(IReadOnlyList<InboxAlert> batch, CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _calls) == 1 && HoldFirstCall is not null) await HoldFirstCall.Task.WaitAsync(cancellationToken);
        lock (_handled) _handled.AddRange(batch.Select(item => item.Alert));
    }
}
