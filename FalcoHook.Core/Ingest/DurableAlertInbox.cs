using System.Threading.Channels;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Ingest;

/// <summary>
/// The durable <see cref="IAlertInbox"/>: callers' batches go through a bounded channel to one writer loop
/// that commits everything waiting in one transaction (a group commit); each caller's task completes after
/// the commit that holds its alerts. Bounded by <see cref="IngestOptions.QueueCapacity"/> unprocessed alerts.
/// As a hosted service it counts the rows left from before and starts its writer at start-up; appends wait for that.
/// </summary>
public sealed class DurableAlertInbox : IAlertInbox, IHostedService, IAsyncDisposable
{
    private readonly IInboxStore _store;
    private readonly IngestOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<DurableAlertInbox> _logger;
    private readonly InboxMetrics? _metrics;
    private readonly Channel<PendingAppend> _channel;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _started = NewSignal();
    private Task _writer = Task.CompletedTask;
    private readonly object _gate = new();
    private long _pending;
    private long _commits;
    private int _disposed;
    private TaskCompletionSource _room = NewSignal();
    private TaskCompletionSource _work = NewSignal();

    public DurableAlertInbox(IInboxStore store, IOptions<IngestOptions> options, TimeProvider time, ILogger<DurableAlertInbox> logger,
        InboxMetrics? metrics = null)
    {
        _store = store;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _metrics = metrics;
        _channel = Channel.CreateBounded<PendingAppend>(new BoundedChannelOptions(1024)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        Committed = new CommittedRowHandoff(Math.Min(_options.QueueCapacity, Math.Max(1024, 4 * _options.DrainBatchSize)));
        metrics?.ObservePending(() => Pending);
    }

    /// <summary>Counts the rows left from before (they are pending), then starts the writer loop.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_started.Task.IsCompleted) return;
        try
        {
            var recovered = await _store.CountAsync(cancellationToken).ConfigureAwait(false);
            lock (_gate) _pending = recovered;
            if (recovered > 0) InboxLog.Recovered(_logger, recovered);
        }
        catch (Exception e)
        {
            _started.TrySetException(e);
            throw;
        }
        _writer = Task.Run(WriteLoopAsync, CancellationToken.None);
        _started.TrySetResult();
    }

    /// <summary>Nothing: queued appends are committed when the inbox is disposed, after the server stopped taking requests.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Completes once <see cref="StartAsync"/> has counted the stored rows and started the writer.</summary>
    internal Task Started => _started.Task;

    /// <summary>The rows just committed, kept for the drain.</summary>
    internal CommittedRowHandoff Committed { get; }

    private long _requeues;

    /// <summary>How many times rows were put back into the store by other means (<see cref="Requeued"/>): they keep their old ids.</summary>
    internal long Requeues => Interlocked.Read(ref _requeues);

    /// <inheritdoc />
    public long Pending => Interlocked.Read(ref _pending);

    /// <summary>Transactions committed by the writer loop (for metrics and the group-commit test).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    public async ValueTask<InboxAppendResult> AppendAsync(IReadOnlyList<FalcoAlert> alerts, CancellationToken cancellationToken)
    {
        if (alerts.Count == 0) return InboxAppendResult.Accepted;
        if (!await WaitStartedAsync(cancellationToken).ConfigureAwait(false)) return InboxAppendResult.Full;
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

    /// <summary>Until the start has counted the stored rows there is no room to give: wait for it as for room.</summary>
    private async Task<bool> WaitStartedAsync(CancellationToken cancellationToken)
    {
        if (_started.Task.IsCompletedSuccessfully) return true;
        try
        {
            await _started.Task.WaitAsync(_options.QueueFullWait, _time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
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
    /// the rows kept for the drain (and come before them), so that record breaks.
    /// </summary>
    internal void Requeued(int count)
    {
        Interlocked.Increment(ref _requeues);
        lock (_gate) _pending += count;
        Committed.Invalidate();
        SignalWork();
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
                    Committed.Add(committed);
                    Interlocked.Increment(ref _commits);
                    _metrics?.Committed(alerts);
                    foreach (var append in group) append.Committed.TrySetResult();
                    SignalWork();
                }
                catch (Exception e)
                {
                    InboxLog.CommitFailed(_logger, alerts, e);
                    Committed.Invalidate(); // whatever the file holds now, the drain reads it from there
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
