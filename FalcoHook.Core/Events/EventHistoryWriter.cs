using System.Threading.Channels;
using FalcoHook.Core.Ingest;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Events;

/// <summary>
/// Writes the history behind the drain: <see cref="EventRecorder"/> queues each handled batch's events here and the drain
/// goes on, while this writer hands whatever has queued, up to <see cref="MaxBatch"/> events at a time, to its sink (the
/// store, one transaction each; or <see cref="Spool.SpooledHistory"/>, whose writer process runs this same class over the
/// store), then announces what the sink returns as stored on the <see cref="EventFeed"/>. As the drain's <see cref="IInboxDeleteBarrier"/> it holds back the
/// delete of inbox rows whose events are not stored yet, so a crash loses no event: the rows are handled again after
/// restart and their events written then (the store keeps the last report of an event).
/// <para>
/// The queue holds <see cref="Capacity"/> events; a full queue makes the pipeline wait (the history is never skipped
/// for speed). A failed write is retried: first the whole set, after a pause growing to <see cref="MaxBackoff"/>, with
/// the events queued meanwhile added; after <see cref="WholeAttempts"/> failures one event at a time. When some go
/// through and others do not, those are events the store refuses (not a failing store): they are logged and left out,
/// so one bad event cannot hold the history, and with it the inbox, forever. When none goes through, the store is
/// failing, and the set waits for it.
/// </para>
/// <para>
/// The writer runs from start until it is disposed, which the host does after every hosted service has stopped: the
/// drain, which stops after this service in the host's order, still gets its last batches written and their rows
/// deleted. Disposing writes what has queued (for up to <see cref="StopTimeout"/>).
/// </para>
/// </summary>
public sealed partial class EventHistoryWriter(IEventRecordSink store, EventFeed feed, TimeProvider time, ILogger<EventHistoryWriter> logger)
    : IHostedService, IInboxDeleteBarrier, IAsyncDisposable
{
    /// <summary>Events queued before the pipeline waits.</summary>
    public const int Capacity = 20_000;

    /// <summary>Events written in one transaction at most.</summary>
    public const int MaxBatch = 2_000;

    internal const int WholeAttempts = 3;

    internal static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly Channel<EventRecord> _queue = Channel.CreateBounded<EventRecord>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    /// <summary>Producers queue one at a time, so that <see cref="_queued"/> counts the queue's order.</summary>
    private readonly SemaphoreSlim _enqueue = new(1, 1);

    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private Task? _running;
    private int _disposed;
    private TaskCompletionSource _progress = NewProgress();
    private long _queued;
    private long _done;
    private long _refused;

    /// <summary>Events left out because the store refused them alone, since start.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Queues the events; waits while the queue is full.</summary>
    public async Task QueueAsync(IReadOnlyList<EventRecord> records, CancellationToken cancellationToken)
    {
        if (records.Count == 0) return;
        await _enqueue.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            foreach (var record in records)
            {
                if (!_queue.Writer.TryWrite(record)) await _queue.Writer.WriteAsync(record, cancellationToken).ConfigureAwait(false);
                Interlocked.Increment(ref _queued);
            }
        }
        finally
        {
            _enqueue.Release();
        }
    }

    public long Mark() => Interlocked.Read(ref _queued);

    public bool Passed(long mark) => Interlocked.Read(ref _done) >= mark;

    public async Task WaitAsync(long mark, CancellationToken cancellationToken)
    {
        while (!Passed(mark))
        {
            Task progress;
            lock (_gate) progress = _progress.Task;
            if (Passed(mark)) return;
            await progress.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _running ??= Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Nothing: the writer keeps writing for the drain, which stops later, until it is disposed.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Once (the host's container disposes each registration the writer is resolved through).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        if (_running is not null)
        {
            // What was queued until now is written; what stays unwritten keeps its inbox rows.
            using (var timeout = new CancellationTokenSource(StopTimeout))
            {
                try
                {
                    await WaitAsync(Mark(), timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    LogStoppedBehind(logger, Mark() - Interlocked.Read(ref _done));
                }
            }
            await _stopping.CancelAsync().ConfigureAwait(false);
            await _running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        _stopping.Dispose();
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var reader = _queue.Reader;
        var pending = new List<EventRecord>(MaxBatch);
        try
        {
            while (await reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                while (pending.Count < MaxBatch && reader.TryRead(out var record)) pending.Add(record);
                await WriteAsync(pending, stoppingToken).ConfigureAwait(false);
                Done(pending.Count);
                pending.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // disposed: what is not written keeps its inbox rows, handled again after restart
        }
    }

    /// <summary>Writes <paramref name="pending"/> (which may grow by what queues while the store fails); returns when each is stored or refused.</summary>
    private async Task WriteAsync(List<EventRecord> pending, CancellationToken stoppingToken)
    {
        for (var failures = 0; ; failures++)
        {
            if (failures < WholeAttempts)
            {
                try
                {
                    await StoreAsync(pending, stoppingToken).ConfigureAwait(false);
                    return;
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    LogWriteFailed(logger, pending.Count, e);
                }
            }
            else
            {
                var refused = new List<(EventRecord Record, Exception Error)>();
                var stored = 0;
                foreach (var record in pending)
                {
                    try
                    {
                        await StoreAsync([record], stoppingToken).ConfigureAwait(false);
                        stored++;
                    }
                    catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                    {
                        refused.Add((record, e));
                    }
                }
                if (stored > 0)
                {
                    foreach (var (record, error) in refused)
                    {
                        Interlocked.Increment(ref _refused);
                        LogRefused(logger, record.InboxId, record.Notification.Alert.Rule, error);
                    }
                    return;
                }
                pending.Clear();
                pending.AddRange(refused.Select(r => r.Record));
            }
            await Task.Delay(Backoff(failures), time, stoppingToken).ConfigureAwait(false);
            // Events queued meanwhile join the set: one of them going through tells a refused event from a failing store.
            while (pending.Count < MaxBatch && _queue.Reader.TryRead(out var more)) pending.Add(more);
        }
    }

    private async Task StoreAsync(IReadOnlyList<EventRecord> records, CancellationToken stoppingToken)
    {
        var stored = await store.RecordAsync(records, time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
        feed.Publish(stored);
    }

    private void Done(int count)
    {
        Interlocked.Add(ref _done, count);
        TaskCompletionSource progress;
        lock (_gate)
        {
            progress = _progress;
            _progress = NewProgress();
        }
        progress.TrySetResult();
    }

    private static TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(FirstBackoff.Ticks << Math.Min(failures, 10), MaxBackoff.Ticks));

    private static TaskCompletionSource NewProgress() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(EventId = 1910, Level = LogLevel.Warning,
        Message = "Writing {Count} events to the alert history failed; retrying (their inbox rows are kept until they are written)")]
    private static partial void LogWriteFailed(ILogger logger, int count, Exception error);

    [LoggerMessage(EventId = 1911, Level = LogLevel.Error,
        Message = "The alert history refuses the event of inbox row {InboxId} (rule {Rule}) while others are written; it is left out of the history")]
    private static partial void LogRefused(ILogger logger, long inboxId, string rule, Exception error);

    [LoggerMessage(EventId = 1912, Level = LogLevel.Warning,
        Message = "Stopped with {Count} events not yet in the alert history; their inbox rows are handled again at the next start")]
    private static partial void LogStoppedBehind(ILogger logger, long count);
}
