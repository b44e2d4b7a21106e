using FalcoHook.Core.Alerts;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Ingest;

/// <summary>
/// With an <see cref="IInboxDeleteBarrier"/> (the history's writer), the drain goes on with later rows while a handled
/// batch's rows wait in the store for the barrier, reading the store after them without waiting; a restart before it
/// passed hands them over again.
/// </summary>
public sealed class DrainDeleteBarrierTests : IAsyncDisposable
{
    private static readonly IngestOptions Settings = new()
    {
        PollInterval = TimeSpan.FromSeconds(30), FailureBackoff = TimeSpan.FromMilliseconds(1), DrainBatchSize = 4,
    };

    private readonly TempDirectory _dir = new();
    private readonly SqliteInboxStore _store;

    public DrainDeleteBarrierTests()
    {
        var db = new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={_dir.File("falcohook.db")}" }));
        _store = new SqliteInboxStore(db);
    }

    private async Task<DurableAlertInbox> InboxAsync()
    {
        var inbox = new DurableAlertInbox(_store, Options.Create(Settings), TimeProvider.System, NullLogger<DurableAlertInbox>.Instance);
        await inbox.StartAsync(CancellationToken.None);
        return inbox;
    }

    private InboxDrainService Drain(DurableAlertInbox inbox, IAlertBatchHandler handler, IInboxDeleteBarrier barrier) =>
        new(inbox, _store, handler, Options.Create(Settings), TimeProvider.System, NullLogger<InboxDrainService>.Instance, barrier: barrier)
        {
            StopWait = TimeSpan.FromMilliseconds(200),
        };

    [Fact]
    public async Task Handled_rows_stay_in_the_store_until_the_barrier_passes_them_while_later_rows_are_handled()
    {
        var inbox = await InboxAsync();
        var handler = new RecordingAlertHandler();
        var barrier = new Gate();
        using var drain = Drain(inbox, handler, barrier);
        await drain.StartAsync(CancellationToken.None);

        var alerts = Enumerable.Range(0, 12).Select(i => TestAlerts.Shell(i)).ToList();
        foreach (var alert in alerts) await inbox.AppendAsync([alert], CancellationToken.None);
        await Eventually.TrueAsync(() => handler.Handled.Count == alerts.Count, "every alert handled with the barrier closed");
        Assert.Equal(alerts.Select(a => a.Output), handler.Handled.Select(a => a.Output));
        Assert.Equal(alerts.Count, await _store.CountAsync(CancellationToken.None));
        Assert.Equal(alerts.Count, inbox.Pending);

        barrier.PassThrough(barrier.Marks / 2); // the first half of the handled batches
        await Eventually.TrueAsync(async () => await _store.CountAsync(CancellationToken.None) < alerts.Count, "the passed batches deleted");
        Assert.True(await _store.CountAsync(CancellationToken.None) > 0);

        barrier.PassThrough(long.MaxValue);
        await Eventually.TrueAsync(async () => await _store.CountAsync(CancellationToken.None) == 0, "every row deleted");
        await Eventually.TrueAsync(() => inbox.Pending == 0, "every row released");
        await drain.StopAsync(CancellationToken.None);
        Assert.Equal(alerts.Count, handler.Handled.Count); // none handled twice
    }

    [Fact]
    public async Task Reads_of_the_store_start_after_the_last_row_handled_and_do_not_wait_for_the_barrier()
    {
        var inbox = await InboxAsync();
        var handler = new RecordingAlertHandler();
        var barrier = new Gate();
        // A poll interval this short makes every round read the store instead of taking the rows the writer kept.
        using var drain = new InboxDrainService(inbox, _store, handler, Options.Create(new IngestOptions
        {
            PollInterval = TimeSpan.FromMilliseconds(1), FailureBackoff = TimeSpan.FromMilliseconds(1), DrainBatchSize = 4,
        }), TimeProvider.System, NullLogger<InboxDrainService>.Instance, barrier: barrier) { StopWait = TimeSpan.FromMilliseconds(200) };
        await drain.StartAsync(CancellationToken.None);

        var alerts = Enumerable.Range(0, 12).Select(i => TestAlerts.Shell(i)).ToList();
        foreach (var alert in alerts) await inbox.AppendAsync([alert], CancellationToken.None);
        await Eventually.TrueAsync(() => handler.Handled.Count == alerts.Count, "every alert handled, the store read each round, the barrier closed");
        Assert.Equal(alerts.Select(a => a.Output), handler.Handled.Select(a => a.Output)); // none twice, though all are still in the store
        Assert.Equal(alerts.Count, await _store.CountAsync(CancellationToken.None));

        barrier.PassThrough(long.MaxValue);
        await Eventually.TrueAsync(async () => await _store.CountAsync(CancellationToken.None) == 0, "every row deleted");
        await drain.StopAsync(CancellationToken.None);
        Assert.Equal(alerts.Count, handler.Handled.Count);
    }

    [Fact]
    public async Task Rows_the_barrier_had_not_passed_when_the_drain_stopped_are_handled_again_at_the_next_start()
    {
        var alerts = Enumerable.Range(0, 6).Select(i => TestAlerts.Shell(i)).ToList();
        var first = new RecordingAlertHandler();
        var inbox = await InboxAsync();
        using (var drain = Drain(inbox, first, new Gate()))
        {
            await drain.StartAsync(CancellationToken.None);
            await inbox.AppendAsync(alerts, CancellationToken.None);
            await Eventually.TrueAsync(() => first.Handled.Count == alerts.Count, "handled before the stop");
            await drain.StopAsync(CancellationToken.None);
        }
        Assert.Equal(alerts.Count, await _store.CountAsync(CancellationToken.None));

        var again = new RecordingAlertHandler();
        var open = new Gate();
        open.PassThrough(long.MaxValue);
        var restarted = await InboxAsync();
        using var next = Drain(restarted, again, open);
        await next.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(async () => await _store.CountAsync(CancellationToken.None) == 0, "deleted after the second handling");
        await next.StopAsync(CancellationToken.None);
        Assert.Equal(alerts.Select(a => a.Output), again.Handled.Select(a => a.Output));
    }

    public async ValueTask DisposeAsync()
    {
        await Task.Yield();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    /// <summary>A barrier the test opens: each mark is one more than the last; marks up to <see cref="PassThrough"/> are passed.</summary>
    private sealed class Gate : IInboxDeleteBarrier
    {
        private readonly Lock _lock = new();
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _marks;
        private long _passed;

        public long Marks => Interlocked.Read(ref _marks);

        public long Mark() => Interlocked.Increment(ref _marks);

        public bool Passed(long mark) => Interlocked.Read(ref _passed) >= mark;

        public void PassThrough(long mark)
        {
            Interlocked.Exchange(ref _passed, mark);
            lock (_lock)
            {
                _changed.TrySetResult();
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        public async Task WaitAsync(long mark, CancellationToken cancellationToken)
        {
            while (!Passed(mark))
            {
                Task changed;
                lock (_lock) changed = _changed.Task;
                if (Passed(mark)) return;
                await changed.WaitAsync(cancellationToken);
            }
        }
    }
}
