using System.Threading.Channels;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Ingest;

/// <summary>
/// The durable <see cref="IAlertInbox"/>: callers' batches go through a bounded channel to one writer loop
/// that commits everything waiting in one transaction (a group commit); each caller's task completes after
/// the commit that holds its alerts. Bounded by <see cref="InboxOptions.QueueCapacity"/> unprocessed alerts.
/// </summary>
public sealed class DurableAlertInbox : IAlertInbox, IAsyncDisposable
{
    private readonly IInboxStore _store;
    private readonly InboxOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DurableAlertInbox> _logger;
    private readonly Channel<PendingAppend> _channel;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _writer;
    private readonly object _gate = new();
    private long _pending;
    private long _commits;
    private int _disposed;
    private TaskCompletionSource _room = NewSignal();
    private TaskCompletionSource _work = NewSignal();

    // The rows committed since the drain began this record (BeginCommitted), in commit (= id) order, so the drain can take them
    // without reading and parsing them back. Complete only while _committedComplete; under _gate.
    private readonly Queue<InboxEntry> _committed = new();
    private bool _committedComplete;
    private long _committedEpoch;

    private readonly Delivery.DeliveryMetrics? _metrics;

    public DurableAlertInbox(IInboxStore store, IOptions<InboxOptions> options, TimeProvider time, ILogger<DurableAlertInbox> logger,
        Delivery.DeliveryMetrics? metrics = null)
    {
        _metrics = metrics;
        _store = store;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _pending = store.CountAsync(CancellationToken.None).GetAwaiter().GetResult();
        if (_pending > 0) InboxLog.Recovered(logger, _pending);
        _channel = Channel.CreateBounded<PendingAppend>(new BoundedChannelOptions(1024)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        metrics?.ObserveInboxPending(() => Pending);
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <inheritdoc />
    public long Pending => Interlocked.Read(ref _pending);

    /// <summary>Transactions committed by the writer loop (for metrics and the group-commit test).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    public async ValueTask<InboxAppendResult> AppendAsync(IReadOnlyList<FalcoAlert> alerts, CancellationToken cancellationToken)
    {
        if (alerts.Count == 0) return InboxAppendResult.Accepted;
        if (!await ReserveAsync(alerts.Count, cancellationToken).ConfigureAwait(false)) return InboxAppendResult.Full;
        // The request's trace goes with its own rows, though a group commit mixes several callers.
        var append = new PendingAppend(new InboxAppend(alerts, TraceParent.Current()));
        try
        {
            await _channel.Writer.WriteAsync(append, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            Release(alerts.Count);
            throw;
        }
        // Once queued the commit goes ahead even if this caller gives up: at-least-once, never half.
        await append.Committed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return InboxAppendResult.Accepted;
    }

    private async Task<bool> ReserveAsync(int count, CancellationToken cancellationToken)
    {
        var deadline = _time.GetTimestamp() + (long)(_options.QueueFullWait.TotalSeconds * _time.TimestampFrequency);
        while (true)
        {
            Task room;
            lock (_gate)
            {
                // A batch larger than the whole capacity is taken when the inbox is empty, or it could never fit.
                if (_pending == 0 || _pending + count <= _options.QueueCapacity)
                {
                    _pending += count;
                    return true;
                }
                room = _room.Task;
            }
            var now = _time.GetTimestamp();
            if (now >= deadline) return false;
            var left = _time.GetElapsedTime(now, deadline);
            try
            {
                await room.WaitAsync(left, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return false;
            }
        }
    }

    /// <summary>Called by the drain once the pipeline has handled (and the store forgotten) <paramref name="count"/> alerts.</summary>
    internal void Release(int count)
    {
        TaskCompletionSource room;
        lock (_gate)
        {
            _pending = Math.Max(0, _pending - count);
            room = _room;
            _room = NewSignal();
        }
        room.TrySetResult();
    }

    /// <summary>
    /// Rows put back into the store by other means (a dead row retried): counted, and the drain woken. They are not in
    /// the committed rows in memory (and come before them), so those stop being complete.
    /// </summary>
    internal void Requeued(int count)
    {
        lock (_gate)
        {
            _pending += count;
            ForgetCommitted();
        }
        SignalWork();
    }

    /// <summary>
    /// The record of committed rows, started now unless one is going and complete; returns its epoch. While complete,
    /// every row the writer commits is kept in memory, in order, until <see cref="TakeCommitted"/> takes it; something
    /// that makes it incomplete (a row put back by other means, a failed commit, more rows than
    /// <see cref="MaxRemembered"/>) empties it. So it always holds an unbroken run of commits: every row
    /// from its first one on. (A row committed just before the start may be added just after it; that is still a run.)
    /// </summary>
    internal long BeginCommitted()
    {
        lock (_gate)
        {
            if (_committedComplete) return _committedEpoch;
            _committed.Clear();
            _committedComplete = true;
            return ++_committedEpoch;
        }
    }

    /// <summary>
    /// Whether the record of <paramref name="epoch"/> is complete and its first row's id is at most
    /// <paramref name="id"/>: then every row from <paramref name="id"/> on is in memory.
    /// </summary>
    internal bool CommittedFrom(long epoch, long id)
    {
        lock (_gate) return _committedComplete && _committedEpoch == epoch && _committed.TryPeek(out var first) && first.Id <= id;
    }

    /// <summary>
    /// Moves up to <paramref name="max"/> remembered rows with ids above <paramref name="after"/> into
    /// <paramref name="into"/>, oldest first, dropping those at or below it. False (and nothing taken) when the record
    /// of <paramref name="epoch"/> is no longer complete: read the store.
    /// </summary>
    internal bool TakeCommitted(long epoch, long after, int max, List<InboxEntry> into)
    {
        lock (_gate)
        {
            if (!_committedComplete || _committedEpoch != epoch) return false;
            while (into.Count < max && _committed.TryDequeue(out var entry))
                if (entry.Id > after) into.Add(entry);
            return true;
        }
    }

    /// <summary>Whether the record of <paramref name="epoch"/> still holds every row committed since it began.</summary>
    internal bool CommittedComplete(long epoch)
    {
        lock (_gate) return _committedComplete && _committedEpoch == epoch;
    }

    /// <summary>
    /// Committed rows kept for the drain at most: a short hand-off, not a second queue. A drain further behind than this
    /// reads the store (as at start-up) until it catches up, so a backlog costs disk, not memory: 10,000 pending audit
    /// alerts held as objects took the service to 300-330 MB under audit load, 220 MB with this bound.
    /// </summary>
    private int MaxRemembered => Math.Min(_options.QueueCapacity, Math.Max(1024, 4 * _options.DrainBatchSize));

    private void Remember(IReadOnlyList<InboxEntry> committed)
    {
        lock (_gate)
        {
            if (!_committedComplete) return;
            if (_committed.Count + committed.Count > MaxRemembered)
            {
                // The drain is behind (or reading the store meanwhile): stop holding alerts; the store has them.
                ForgetCommitted();
                return;
            }
            foreach (var entry in committed) _committed.Enqueue(entry);
        }
    }

    private void ForgetCommitted()
    {
        _committedComplete = false;
        _committed.Clear();
    }

    /// <summary>
    /// Returns when something was committed since the last call (at once if so), after <paramref name="timeout"/>
    /// otherwise.
    /// </summary>
    internal async Task WaitForWorkAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task work;
        lock (_gate)
        {
            work = _work.Task;
            if (work.IsCompleted)
            {
                _work = NewSignal();
                return;
            }
        }
        try
        {
            await work.WaitAsync(timeout, _time, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        lock (_gate) if (_work.Task.IsCompleted) _work = NewSignal();
    }

    private void SignalWork()
    {
        TaskCompletionSource work;
        lock (_gate) work = _work;
        work.TrySetResult();
    }

    private async Task WriteLoopAsync()
    {
        var reader = _channel.Reader;
        var group = new List<PendingAppend>();
        try
        {
            while (await reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
            {
                group.Clear();
                var alerts = 0;
                while (alerts < _options.MaxCommitAlerts && reader.TryRead(out var append))
                {
                    group.Add(append);
                    alerts += append.Batch.Alerts.Count;
                }
                try
                {
                    var committed = await _store.AppendAsync(group.Select(g => g.Batch).ToList(), _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
                    Remember(committed);
                    Interlocked.Increment(ref _commits);
                    _metrics?.Committed(alerts);
                    foreach (var append in group) append.Committed.TrySetResult();
                    SignalWork();
                }
                catch (Exception e)
                {
                    InboxLog.CommitFailed(_logger, alerts, e);
                    lock (_gate) ForgetCommitted(); // whatever the file holds now, the drain reads it from there
                    Release(alerts);
                    foreach (var append in group) append.Committed.TrySetException(e);
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        while (reader.TryRead(out var left)) left.Committed.TrySetCanceled();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _channel.Writer.TryComplete();
        // Let queued appends commit: their callers are waiting to answer 2xx.
        try
        {
            await _writer.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
        }
        _stopping.Cancel();
        _stopping.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed record PendingAppend(InboxAppend Batch)
    {
        public TaskCompletionSource Committed { get; } = NewSignal();
    }
}
