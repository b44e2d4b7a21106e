using FalcoHook.Core.Alerts;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Ingest;

/// <summary>The drain takes the rows the inbox writer just committed from memory, and reads the store whenever memory is not all of it.</summary>
public sealed class DrainFromMemoryTests : IAsyncDisposable
{
    private static readonly IngestOptions Settings = new() { PollInterval = TimeSpan.FromSeconds(30), FailureBackoff = TimeSpan.FromMilliseconds(1) };

    private readonly TempDirectory _dir = new();
    private readonly SqliteInboxStore _sqlite;
    private readonly CountingStore _store;
    private readonly DurableAlertInbox _inbox;

    public DrainFromMemoryTests()
    {
        var db = new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={_dir.File("falcohook.db")}" }));
        _sqlite = new SqliteInboxStore(db);
        _store = new CountingStore(_sqlite);
        _inbox = new DurableAlertInbox(_store, Options.Create(Settings), TimeProvider.System, NullLogger<DurableAlertInbox>.Instance);
        _inbox.StartAsync(CancellationToken.None).GetAwaiter().GetResult(); // counts an empty file
    }

    private InboxDrainService Drain(IAlertBatchHandler handler) =>
        new(_inbox, _store, handler, Options.Create(Settings), TimeProvider.System, NullLogger<InboxDrainService>.Instance);

    [Fact]
    public async Task Rows_committed_while_the_drain_idles_reach_the_pipeline_as_appended_in_order_without_reading_the_store()
    {
        var handler = new RecordingAlertHandler();
        using var drain = Drain(handler);
        await drain.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => drain.TakingFromMemory, "the drain found the store empty");

        var appended = Enumerable.Range(0, 40).Select(i => TestAlerts.Shell(i)).ToList();
        foreach (var pair in appended.Chunk(2)) await _inbox.AppendAsync(pair, CancellationToken.None);
        await Eventually.TrueAsync(() => handler.Handled.Count == appended.Count, "every alert handled");
        await Eventually.TrueAsync(() => _inbox.Pending == 0, "every row released");
        await drain.StopAsync(CancellationToken.None);

        Assert.Equal(appended.Count, handler.Handled.Count);
        for (var i = 0; i < appended.Count; i++) Assert.Same(appended[i], handler.Handled[i]);
        Assert.Equal(0, _store.RowsRead);
        Assert.Equal(0, await _sqlite.CountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_backlog_is_read_from_the_store_until_the_reads_reach_the_rows_in_memory_then_each_row_once_from_memory()
    {
        var options = new IngestOptions { PollInterval = Settings.PollInterval, DrainBatchSize = 4 };
        var left = Enumerable.Range(0, 10).Select(i => TestAlerts.Shell(i)).ToList(); // left by "the previous process"
        await _inbox.AppendAsync(left, CancellationToken.None);
        var handler = new RecordingAlertHandler { HoldFirstCall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        using var drain = new InboxDrainService(_inbox, _store, handler, Options.Create(options), TimeProvider.System, NullLogger<InboxDrainService>.Instance);
        await drain.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => handler.Calls == 1, "the drain handling its first read");

        var later = Enumerable.Range(10, 10).Select(i => TestAlerts.Shell(i)).ToList(); // committed while the drain works
        foreach (var alert in later) await _inbox.AppendAsync([alert], CancellationToken.None);
        handler.HoldFirstCall.SetResult();
        await Eventually.TrueAsync(() => handler.Handled.Count >= 20, "every alert handled");
        await Eventually.TrueAsync(() => _inbox.Pending == 0, "every row released");
        await drain.StopAsync(CancellationToken.None);

        // Each alert once, in order: reads of 4 from the store up to the one reaching the first row in memory (rows
        // 9-12), then the rest taken from memory as appended.
        Assert.Equal(left.Concat(later).Select(a => a.Output), handler.Handled.Select(a => a.Output));
        Assert.Equal(12, _store.RowsRead);
        for (var i = 12; i < 20; i++) Assert.Same(later[i - 10], handler.Handled[i]);
        Assert.True(drain.TakingFromMemory);
    }

    [Fact]
    public async Task A_drain_further_behind_than_memory_holds_reads_the_store_and_handles_each_row_once_in_order()
    {
        var handler = new RecordingAlertHandler { HoldFirstCall = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        using var drain = Drain(handler);
        await drain.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => drain.TakingFromMemory, "the drain found the store empty");
        await _inbox.AppendAsync([TestAlerts.Shell(0)], CancellationToken.None);
        await Eventually.TrueAsync(() => handler.Calls == 1, "the drain holding its first batch");

        // More rows than memory keeps for the drain (1,024 here) commit while it is held: memory lets go of them.
        var behind = Enumerable.Range(1, 1_100).Select(i => TestAlerts.Shell(i)).ToList();
        foreach (var chunk in behind.Chunk(100)) await _inbox.AppendAsync(chunk, CancellationToken.None);
        handler.HoldFirstCall!.SetResult();
        await Eventually.TrueAsync(() => handler.Handled.Count >= 1_101, "every alert handled");
        await Eventually.TrueAsync(() => _inbox.Pending == 0, "every row released");
        await drain.StopAsync(CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 1_101).Select(i => TestAlerts.Shell(i).Output), handler.Handled.Select(a => a.Output));
        Assert.True(_store.RowsRead >= 1_100 - 1_024, $"read {_store.RowsRead} rows from the store");
        Assert.Equal(0, await _sqlite.CountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task A_dead_row_put_back_while_the_drain_takes_from_memory_is_read_from_the_store_and_handled()
    {
        await _inbox.AppendAsync([TestAlerts.Shell(1)], CancellationToken.None);
        var id = (await _sqlite.ReadAsync(1, CancellationToken.None))[0].Id;
        Assert.True(await _sqlite.MoveToDeadAsync(id, "test", 1, DateTimeOffset.UtcNow, CancellationToken.None));
        _inbox.Release(1);
        var handler = new RecordingAlertHandler();
        using var drain = Drain(handler);
        await drain.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(() => drain.TakingFromMemory, "the drain found the store empty");

        Assert.True(await new DeadInboxService(_sqlite, _inbox).RetryAsync(id, CancellationToken.None));
        // The drain is woken but its memory does not hold the row; the poll interval (30 s) is longer than this wait.
        await Eventually.TrueAsync(() => handler.Handled.Count == 1, "the requeued row handled", TimeSpan.FromSeconds(10));
        await _inbox.AppendAsync([TestAlerts.Shell(2)], CancellationToken.None);
        await Eventually.TrueAsync(() => handler.Handled.Count == 2, "a later row handled too", TimeSpan.FromSeconds(10));
        await drain.StopAsync(CancellationToken.None);

        Assert.Equal([TestAlerts.Shell(1).Output, TestAlerts.Shell(2).Output], handler.Handled.Select(a => a.Output));
        Assert.Equal(0, await _sqlite.CountAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Appended_rows_are_returned_exactly_as_a_read_gives_them_back()
    {
        var received = DateTimeOffset.FromUnixTimeMilliseconds(1_764_237_600_123).AddTicks(4567); // sub-millisecond part
        var appended = await _sqlite.AppendAsync(
            [new InboxAppend([TestAlerts.Shell(1), TestAlerts.Shell(2)], "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"),
             new InboxAppend([TestAlerts.Shell(3, Priority.Warning, hostname: null)])],
            received, CancellationToken.None);
        var read = await _sqlite.ReadAsync(10, CancellationToken.None);

        Assert.Equal(3, appended.Count);
        Assert.Equal(read.Select(e => e.Id), appended.Select(e => e.Id));
        Assert.True(appended[0].Id < appended[1].Id && appended[1].Id < appended[2].Id);
        for (var i = 0; i < read.Count; i++)
        {
            // Received as stored (milliseconds): delivery ids derive from it.
            Assert.Equal(read[i].Received, appended[i].Received);
            Assert.Equal(read[i].TraceParent, appended[i].TraceParent);
            Assert.Equal(read[i].Json, appended[i].Json);
            Assert.Equal(read[i].Alert!.ToJson(), appended[i].Alert!.ToJson());
        }
        Assert.NotEqual(received, appended[0].Received);
    }

    public async ValueTask DisposeAsync()
    {
        await _inbox.DisposeAsync();
        _dir.Dispose();
    }

    /// <summary>The SQLite inbox, counting the rows the drain read back.</summary>
    private sealed class CountingStore(IInboxStore inner) : IInboxStore
    {
        private long _rowsRead;

        public long RowsRead => Interlocked.Read(ref _rowsRead);

        public Task<IReadOnlyList<InboxEntry>> AppendAsync(IReadOnlyList<InboxAppend> batches, DateTimeOffset received, CancellationToken cancellationToken) =>
            inner.AppendAsync(batches, received, cancellationToken);

        public async Task<IReadOnlyList<InboxEntry>> ReadAfterAsync(long after, int max, CancellationToken cancellationToken)
        {
            var rows = await inner.ReadAfterAsync(after, max, cancellationToken);
            Interlocked.Add(ref _rowsRead, rows.Count);
            return rows;
        }

        public Task DeleteAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken) => inner.DeleteAsync(ids, cancellationToken);
        public Task<long> CountAsync(CancellationToken cancellationToken) => inner.CountAsync(cancellationToken);
        public Task<DateTimeOffset?> OldestReceivedAsync(CancellationToken cancellationToken) => inner.OldestReceivedAsync(cancellationToken);
        public Task<bool> MoveToDeadAsync(long id, string error, int attempts, DateTimeOffset now, CancellationToken cancellationToken) =>
            inner.MoveToDeadAsync(id, error, attempts, now, cancellationToken);
        public Task<bool> RequeueDeadAsync(long id, CancellationToken cancellationToken) => inner.RequeueDeadAsync(id, cancellationToken);
        public Task<IReadOnlyList<DeadInboxEntry>> ListDeadAsync(int max, CancellationToken cancellationToken) => inner.ListDeadAsync(max, cancellationToken);
    }
}
