using FalcoHook.Core.Alerts;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Ingest;

public sealed class DurableInboxTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>The inbox over the test's file, started (it has counted the rows there).</summary>
    private async Task<(SqliteDatabase Db, SqliteInboxStore Store, DurableAlertInbox Inbox)> OpenAsync(IngestOptions? options = null)
    {
        var db = new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={_dir.File("sub/falcohook.db")}" }));
        var store = new SqliteInboxStore(db);
        var inbox = new DurableAlertInbox(store, Options.Create(options ?? new IngestOptions()), TimeProvider.System, NullLogger<DurableAlertInbox>.Instance);
        await inbox.StartAsync(CancellationToken.None);
        return (db, store, inbox);
    }

    [Fact]
    public async Task Concurrent_appends_share_transactions_and_all_are_stored()
    {
        var (_, store, inbox) = await OpenAsync();
        await using var _ = inbox;
        const int callers = 200;
        var results = await Task.WhenAll(Enumerable.Range(0, callers).Select(i =>
            Task.Run(async () => await inbox.AppendAsync([TestAlerts.Shell(i), TestAlerts.Shell(i + 1000)], CancellationToken.None))));

        Assert.All(results, r => Assert.Equal(InboxAppendResult.Accepted, r));
        Assert.Equal(callers * 2, await store.CountAsync(CancellationToken.None));
        Assert.Equal(callers * 2, inbox.Pending);
        Assert.InRange(inbox.Commits, 1, callers - 1); // fewer transactions than callers: group commit
    }

    [Fact]
    public async Task Append_over_capacity_answers_full_after_the_wait()
    {
        var (_, store, inbox) = await OpenAsync(new IngestOptions { QueueCapacity = 10, QueueFullWait = TimeSpan.FromMilliseconds(50) });
        await using var _ = inbox;
        Assert.Equal(InboxAppendResult.Accepted, await inbox.AppendAsync(Enumerable.Range(0, 10).Select(i => TestAlerts.Shell(i)).ToList(), CancellationToken.None));

        Assert.Equal(InboxAppendResult.Full, await inbox.AppendAsync([TestAlerts.Shell(99)], CancellationToken.None));
        Assert.Equal(10, await store.CountAsync(CancellationToken.None));
        Assert.Equal(10, inbox.Pending);
    }

    [Fact]
    public async Task A_waiting_append_is_accepted_when_the_drain_makes_room()
    {
        var (_, _, inbox) = await OpenAsync(new IngestOptions { QueueCapacity = 2, QueueFullWait = TimeSpan.FromSeconds(30) });
        await using var _ = inbox;
        await inbox.AppendAsync([TestAlerts.Shell(1), TestAlerts.Shell(2)], CancellationToken.None);
        var waiting = inbox.AppendAsync([TestAlerts.Shell(3)], CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);

        inbox.Release(2);

        Assert.Equal(InboxAppendResult.Accepted, await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task An_append_waits_for_the_start_to_count_the_rows_left_and_is_full_if_the_start_takes_longer_than_the_wait()
    {
        var (_, _, first) = await OpenAsync();
        await first.AppendAsync([TestAlerts.Shell(1), TestAlerts.Shell(2)], CancellationToken.None);
        await first.DisposeAsync();
        _dir.ClosePooledConnections();

        var db = new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={_dir.File("sub/falcohook.db")}" }));
        var store = new SqliteInboxStore(db);
        await using var notStarted = new DurableAlertInbox(store, Options.Create(new IngestOptions { QueueFullWait = TimeSpan.FromMilliseconds(20) }),
            TimeProvider.System, NullLogger<DurableAlertInbox>.Instance);
        Assert.Equal(InboxAppendResult.Full, await notStarted.AppendAsync([TestAlerts.Shell(3)], CancellationToken.None));

        await using var inbox = new DurableAlertInbox(store, Options.Create(new IngestOptions { QueueFullWait = TimeSpan.FromSeconds(30) }),
            TimeProvider.System, NullLogger<DurableAlertInbox>.Instance);
        var waiting = inbox.AppendAsync([TestAlerts.Shell(4)], CancellationToken.None).AsTask();
        Assert.False(waiting.IsCompleted);
        Assert.Equal(2, await store.CountAsync(CancellationToken.None));

        await inbox.StartAsync(CancellationToken.None);

        Assert.Equal(InboxAppendResult.Accepted, await waiting.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(3, inbox.Pending); // the two left from before and the one that waited, each counted once
        Assert.Equal(3, await store.CountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Rows_survive_a_reopen_and_are_processed_in_order_after_restart()
    {
        var (_, _, first) = await OpenAsync();
        for (var i = 0; i < 5; i++) await first.AppendAsync([TestAlerts.Shell(i)], CancellationToken.None);
        await first.DisposeAsync();
        _dir.ClosePooledConnections();

        var (_, store, inbox) = await OpenAsync();
        await using var _ = inbox;
        Assert.Equal(5, inbox.Pending);
        var handler = new RecordingHandler(expected: 5);
        using var drain = new InboxDrainService(inbox, store, handler, Options.Create(new IngestOptions()), TimeProvider.System, NullLogger<InboxDrainService>.Instance);
        await drain.StartAsync(CancellationToken.None);

        var handled = await handler.All.WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(async () => await store.CountAsync(CancellationToken.None) == 0, "the inbox emptied by the drain");
        await drain.StopAsync(CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 5).Select(i => TestAlerts.Shell(i).Output), handled.Select(a => a.Output));
        Assert.Equal(0, inbox.Pending);
    }

    [Fact]
    public async Task A_batch_the_pipeline_fails_stays_and_is_handled_again()
    {
        var (_, store, inbox) = await OpenAsync(new IngestOptions { FailureBackoff = TimeSpan.FromMilliseconds(10) });
        await using var _ = inbox;
        var handler = new RecordingHandler(expected: 1) { FailuresLeft = 2 };
        using var drain = new InboxDrainService(inbox, store, handler, Options.Create(new IngestOptions { FailureBackoff = TimeSpan.FromMilliseconds(10) }), TimeProvider.System, NullLogger<InboxDrainService>.Instance);
        await drain.StartAsync(CancellationToken.None);
        await inbox.AppendAsync([TestAlerts.Shell(7)], CancellationToken.None);

        var handled = await handler.All.WaitAsync(TimeSpan.FromSeconds(10));
        await drain.StopAsync(CancellationToken.None);

        Assert.Equal(TestAlerts.Shell(7).Output, Assert.Single(handled).Output);
        Assert.Equal(3, handler.Calls);
    }

    private sealed class RecordingHandler(int expected) : IAlertBatchHandler
    {
        private readonly List<FalcoAlert> _handled = [];
        private readonly TaskCompletionSource<IReadOnlyList<FalcoAlert>> _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public int FailuresLeft { get; set; }
        public int Calls { get; private set; }
        public Task<IReadOnlyList<FalcoAlert>> All => _all.Task;

        public Task HandleAsync(IReadOnlyList<InboxAlert> batch, CancellationToken cancellationToken)
        {
            Calls++;
            if (FailuresLeft-- > 0) throw new InvalidOperationException("pipeline down");
            _handled.AddRange(batch.Select(item => item.Alert));
            if (_handled.Count >= expected) _all.TrySetResult(_handled.ToList());
            return Task.CompletedTask;
        }
    }
}
