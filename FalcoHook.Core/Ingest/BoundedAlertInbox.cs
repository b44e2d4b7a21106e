using System.Threading.Channels;
using FalcoHook.Core.Alerts;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Ingest;

/// <summary>
/// An in-memory inbox bounded by the number of alerts it holds (accepted, not yet processed). A batch is
/// taken whole or not at all; when there is no room the caller waits up to
/// <see cref="IngestOptions.QueueFullWait"/> for the drain to make some, then gets <see cref="InboxAppendResult.Full"/>.
/// A batch larger than the whole capacity is still taken when the inbox is empty, so it cannot starve.
/// </summary>
public sealed class BoundedAlertInbox : IAlertInbox
{
    private readonly Channel<IReadOnlyList<FalcoAlert>> _batches =
        Channel.CreateUnbounded<IReadOnlyList<FalcoAlert>>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _roomMade = new(0);
    private readonly Lock _gate = new();
    private readonly IOptions<IngestOptions> _options;
    private readonly TimeProvider _time;
    private long _pending;
    private int _waiters;

    public BoundedAlertInbox(IOptions<IngestOptions> options, TimeProvider time)
    {
        _options = options;
        _time = time;
    }

    public long Pending => Interlocked.Read(ref _pending);

    public async ValueTask<InboxAppendResult> AppendAsync(IReadOnlyList<FalcoAlert> alerts, CancellationToken cancellationToken)
    {
        if (alerts.Count == 0) return InboxAppendResult.Accepted;
        var options = _options.Value;
        var deadline = _time.GetTimestamp() + (long)(options.QueueFullWait.TotalSeconds * _time.TimestampFrequency);
        while (true)
        {
            if (TryReserve(alerts.Count, options.QueueCapacity))
            {
                _batches.Writer.TryWrite(alerts);
                return InboxAppendResult.Accepted;
            }
            var remaining = _time.GetElapsedTime(_time.GetTimestamp(), deadline);
            if (remaining <= TimeSpan.Zero) return InboxAppendResult.Full;
            Interlocked.Increment(ref _waiters);
            try { await _roomMade.WaitAsync(remaining, cancellationToken).ConfigureAwait(false); }
            finally { Interlocked.Decrement(ref _waiters); }
        }
    }

    private bool TryReserve(int count, int capacity)
    {
        lock (_gate)
        {
            if (_pending != 0 && _pending + count > capacity) return false;
            _pending += count;
            return true;
        }
    }

    /// <summary>The drain's side: the next batch, in arrival order.</summary>
    public ValueTask<IReadOnlyList<FalcoAlert>> ReadAsync(CancellationToken cancellationToken) =>
        _batches.Reader.ReadAsync(cancellationToken);

    /// <summary>The drain has processed <paramref name="count"/> alerts: make room and wake the waiting requests.</summary>
    public void Complete(int count)
    {
        lock (_gate) _pending -= count;
        // Each woken request re-checks for room under the lock; one that does not fit waits again.
        var waiters = Volatile.Read(ref _waiters);
        if (waiters > 0) _roomMade.Release(waiters);
    }
}
