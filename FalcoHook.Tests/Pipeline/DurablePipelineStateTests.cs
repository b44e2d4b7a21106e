using System.Diagnostics;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Pipeline.State;
using FalcoHook.Core.Silences;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace FalcoHook.Tests.Pipeline;

/// <summary>
/// Dedup and aggregation state in the SQLite file: a restart (new stages, pipeline and stores over the same file, the
/// same clock) neither loses the alerts a storm window held back nor sends again a repeat dedup already sent, and a
/// batch the inbox hands over again after a crash is not counted twice.
/// </summary>
public sealed class DurablePipelineStateTests(ITestOutputHelper output) : IDisposable
{
    private static readonly Dictionary<string, DestinationOptions> Destinations = new() { ["siem"] = new() { Type = "webhook" } };

    private readonly PipelineTestKit _kit = new();
    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        _dir.Dispose();
        _kit.Dispose();
    }

    private static PipelineOptions Options(bool dedup = true, int threshold = 5) => new()
    {
        Dedup = new DedupOptions { Enabled = dedup, Window = TimeSpan.FromMinutes(1) },
        Aggregate = new AggregateOptions { Window = TimeSpan.FromMinutes(1), Threshold = threshold },
    };

    /// <summary>One "process": everything over the file, nothing kept in memory from before.</summary>
    private Instance Start(PipelineOptions? options = null, Func<IPipelineStateStore, IPipelineStateStore>? wrap = null)
    {
        _dir.ClosePooledConnections();
        var database = new SqliteDatabase(Microsoft.Extensions.Options.Options.Create(new StorageOptions { ConnectionString = $"Data Source={_dir.File("falcohook.db")}" }));
        var outbox = new SqliteOutboxStore(database);
        IPipelineStateStore state = new SqlitePipelineStateStore(database);
        if (wrap is not null) state = wrap(state);
        var pipeline = AlertPipeline.Create(options ?? Options(), Destinations, _kit.Compiler, new InMemorySilenceStore(_kit.Time),
            new DurableOutbox(outbox, new DeliverySignal(_kit.Time), _kit.Time), _kit.Time, _kit.Telemetry, state);
        return new Instance(database, new SqliteInboxStore(database), outbox, pipeline);
    }

    private sealed record Instance(SqliteDatabase Database, SqliteInboxStore Inbox, SqliteOutboxStore Outbox, AlertPipeline Pipeline)
    {
        public async Task<List<(string Id, Notification Notification)>> DeliveriesAsync() =>
            (await Outbox.ListAsync(new DeliveryQuery(Limit: 10_000), CancellationToken.None)).Items
                .Select(d => (d.Id, NotificationJson.Deserialize(d.NotificationJson))).ToList();

        /// <summary>What the drain does up to the crash: append, read, hand over; the rows are not deleted.</summary>
        public async Task<IReadOnlyList<InboxEntry>> AppendAsync(IEnumerable<FalcoAlert> alerts, DateTimeOffset now)
        {
            await Inbox.AppendAsync([new InboxAppend(alerts.ToList())], now, CancellationToken.None);
            return await Inbox.ReadAsync(1000, CancellationToken.None);
        }

        public async Task HandleAsync(IReadOnlyList<InboxEntry> entries)
        {
            await Pipeline.HandleAsync(TestInbox.FromRows(entries), CancellationToken.None);
        }

        public async Task<long> RowsAsync(string table)
        {
            await using var connection = await Database.OpenAsync(CancellationToken.None);
            await using var command = connection.CreateCommand();
            command.CommandText = $"SELECT COUNT(*) FROM {table};";
            return (long)(await command.ExecuteScalarAsync())!;
        }
    }

    private static FalcoAlert Shell(int i) => PipelineTestKit.Alert(output: $"A shell was spawned (pid={i})",
        time: PipelineTestKit.Start.AddMilliseconds(i), fields: new Dictionary<string, object> { ["proc.pid"] = i, ["proc.name"] = "sh" });

    private static IEnumerable<FalcoAlert> Shells(int from, int count) => Enumerable.Range(from, count).Select(Shell);

    [Fact]
    public async Task A_storm_held_across_restarts_yields_one_summary_with_the_true_count_after_its_window()
    {
        var first = Start();
        await first.Pipeline.HandleAsync(TestInbox.Alerts(Shells(0, 30)), CancellationToken.None);
        Assert.Equal(5, (await first.DeliveriesAsync()).Count); // the threshold, one by one; 25 held

        _kit.Time.Advance(TimeSpan.FromSeconds(20));
        var second = Start();
        await second.Pipeline.HandleAsync(TestInbox.Alerts(Shells(30, 20)), CancellationToken.None);
        Assert.Equal(0, await second.Pipeline.FlushDueAsync(_kit.Time.GetUtcNow(), CancellationToken.None)); // window still open
        Assert.Equal(5, (await second.DeliveriesAsync()).Count); // the restored window holds them too

        // The window ends while the service is down; the next one flushes at its first tick.
        _kit.Time.Advance(TimeSpan.FromSeconds(45));
        var third = Start();
        Assert.Equal(1, await third.Pipeline.FlushDueAsync(_kit.Time.GetUtcNow(), CancellationToken.None));
        var summary = Assert.Single(await third.DeliveriesAsync(), d => d.Notification.Digest is not null).Notification;
        Assert.Equal(50, summary.Digest!.Count);
        Assert.StartsWith("50 alerts of 'Terminal shell in container' in 1m: ", summary.Alert.Output);
        Assert.Equal(Shell(0).Output, summary.Digest.FirstOutput);
        Assert.Equal(Shell(0).Time, summary.Digest.FirstSeen);
        Assert.Equal(Shell(49).Time, summary.Digest.LastSeen);
        Assert.Equal(["0", "1", "2", "3", "4"], summary.Digest.Samples["proc.pid"]);
        Assert.Equal(0, await third.RowsAsync("pipeline_groups")); // closed: forgotten

        // Nothing left to flush after another restart.
        var fourth = Start();
        Assert.Equal(0, await fourth.Pipeline.FlushDueAsync(_kit.Time.GetUtcNow(), CancellationToken.None));
        Assert.Equal(6, (await fourth.DeliveriesAsync()).Count);
    }

    [Fact]
    public async Task A_crash_between_the_summary_write_and_forgetting_the_window_sends_one_summary()
    {
        var first = Start();
        await first.Pipeline.HandleAsync(TestInbox.Alerts(Shells(0, 12)), CancellationToken.None);
        _kit.Time.Advance(TimeSpan.FromMinutes(1));

        // The summary reaches the outbox; the process dies before the state forgets the window.
        var crashing = Start(wrap: s => new FailingSaves(s, when: c => c.GroupDeletes.Count > 0)); // the load forgets expired dedup entries
        await Assert.ThrowsAsync<IOException>(() => crashing.Pipeline.FlushDueAsync(_kit.Time.GetUtcNow(), CancellationToken.None));
        Assert.Single(await crashing.DeliveriesAsync(), d => d.Notification.Digest is not null);

        var restarted = Start();
        Assert.Equal(1, await restarted.Pipeline.FlushDueAsync(_kit.Time.GetUtcNow(), CancellationToken.None));
        var summaries = (await restarted.DeliveriesAsync()).Where(d => d.Notification.Digest is not null).ToList();
        var summary = Assert.Single(summaries); // same delivery id both times: the outbox kept one
        Assert.Equal(12, summary.Notification.Digest!.Count);
        Assert.Equal(0, await restarted.RowsAsync("pipeline_groups"));
    }

    [Fact]
    public async Task A_repeat_after_a_restart_within_the_dedup_window_is_not_sent_and_is_new_again_after_it()
    {
        var alert = PipelineTestKit.Alert(rule: "Read sensitive file untrusted", output: "Sensitive file opened");
        var first = Start(Options(threshold: 100));
        await first.Pipeline.HandleAsync(TestInbox.Alerts(alert), CancellationToken.None);
        Assert.Single(await first.DeliveriesAsync());

        _kit.Time.Advance(TimeSpan.FromSeconds(30));
        var second = Start(Options(threshold: 100));
        await second.Pipeline.HandleAsync(TestInbox.Alerts(alert), CancellationToken.None);
        Assert.Single(await second.DeliveriesAsync()); // a repeat: held back, as without the restart
        Assert.Equal(1, await second.RowsAsync("pipeline_dedup"));

        // Past the window (measured from the first, across the restart) it is new again; the old entry is forgotten on load.
        _kit.Time.Advance(TimeSpan.FromSeconds(30));
        var third = Start(Options(threshold: 100));
        await third.Pipeline.HandleAsync(TestInbox.Alerts(PipelineTestKit.Alert(rule: "Other")), CancellationToken.None);
        Assert.Equal(1, await third.RowsAsync("pipeline_dedup"));
        await third.Pipeline.HandleAsync(TestInbox.Alerts(alert), CancellationToken.None);
        Assert.Equal(3, (await third.DeliveriesAsync()).Count);
    }

    [Fact]
    public async Task A_batch_handed_over_again_after_a_crash_past_the_state_write_is_not_counted_twice()
    {
        var first = Start();
        var batch = await first.AppendAsync(Shells(0, 12), _kit.Time.GetUtcNow());
        await first.HandleAsync(batch); // outbox and state written; the crash comes before the inbox delete

        var restarted = Start();
        var again = await restarted.Inbox.ReadAsync(1000, CancellationToken.None);
        Assert.Equal(batch.Select(e => e.Id), again.Select(e => e.Id));
        await restarted.HandleAsync(again);
        await restarted.Inbox.DeleteAsync(again.Select(e => e.Id).ToList(), CancellationToken.None);
        var more = await restarted.AppendAsync(Shells(12, 3), _kit.Time.GetUtcNow());
        await restarted.HandleAsync(more);
        Assert.Equal(3, await restarted.RowsAsync("pipeline_applied")); // the deleted rows' marks are forgotten

        _kit.Time.Advance(TimeSpan.FromMinutes(1));
        await restarted.Pipeline.FlushDueAsync(_kit.Time.GetUtcNow(), CancellationToken.None);
        var deliveries = await restarted.DeliveriesAsync();
        Assert.Equal(5, deliveries.Count(d => d.Notification.Digest is null));
        Assert.Equal(15, Assert.Single(deliveries, d => d.Notification.Digest is not null).Notification.Digest!.Count);
    }

    [Fact]
    public async Task A_batch_handed_over_again_after_a_crash_before_the_state_write_is_counted_once()
    {
        var crashing = Start(wrap: s => new FailingSaves(s));
        var batch = await crashing.AppendAsync(Shells(0, 12).Append(PipelineTestKit.Alert(rule: "Other")), _kit.Time.GetUtcNow());
        await Assert.ThrowsAsync<IOException>(() => crashing.HandleAsync(batch)); // outbox written, state not
        Assert.Equal(6, (await crashing.DeliveriesAsync()).Count);

        var restarted = Start();
        await restarted.HandleAsync(await restarted.Inbox.ReadAsync(1000, CancellationToken.None));
        Assert.Equal(6, (await restarted.DeliveriesAsync()).Count); // the same ids: nothing new

        _kit.Time.Advance(TimeSpan.FromMinutes(1));
        await restarted.Pipeline.FlushDueAsync(_kit.Time.GetUtcNow(), CancellationToken.None);
        Assert.Equal(12, Assert.Single(await restarted.DeliveriesAsync(), d => d.Notification.Digest is not null).Notification.Digest!.Count);
    }

    [Fact]
    public async Task Ten_thousand_alerts_through_durable_state_give_the_same_summary_and_bounded_tables()
    {
        var instance = Start(Options(threshold: 20));
        var stopwatch = Stopwatch.StartNew();
        for (var start = 0; start < 10_000; start += 50)
        {
            var entries = await instance.AppendAsync(Shells(start, 50), _kit.Time.GetUtcNow());
            await instance.HandleAsync(entries);
            await instance.Inbox.DeleteAsync(entries.Select(e => e.Id).ToList(), CancellationToken.None);
            _kit.Time.Advance(TimeSpan.FromMilliseconds(250));
        }
        output.WriteLine($"10,000 alerts in batches of 50 through inbox, pipeline (durable state) and outbox: {stopwatch.ElapsedMilliseconds} ms");
        Assert.Equal(10_000, await instance.RowsAsync("pipeline_dedup"));

        _kit.Time.SetUtcNow(PipelineTestKit.Start.AddMinutes(2));
        await instance.Pipeline.FlushDueAsync(_kit.Time.GetUtcNow(), CancellationToken.None);
        await instance.Pipeline.HandleAsync(TestInbox.Alerts(PipelineTestKit.Alert(rule: "Other")), CancellationToken.None); // sweeps dedup
        var deliveries = await instance.DeliveriesAsync();
        Assert.Equal(10_000, Assert.Single(deliveries, d => d.Notification.Digest is not null).Notification.Digest!.Count);
        Assert.Equal(1, await instance.RowsAsync("pipeline_dedup"));
        Assert.Equal(1, await instance.RowsAsync("pipeline_groups"));
    }

    /// <summary>The state write fails: what a crash right before it leaves in the file.</summary>
    private sealed class FailingSaves(IPipelineStateStore inner, Func<PipelineStateChanges, bool>? when = null) : IPipelineStateStore
    {
        public Task<PipelineState> LoadAsync(CancellationToken cancellationToken) => inner.LoadAsync(cancellationToken);

        public Task<IReadOnlyList<long>> SaveAsync(PipelineStateChanges changes, CancellationToken cancellationToken) =>
            when?.Invoke(changes) ?? true ? throw new IOException("killed") : inner.SaveAsync(changes, cancellationToken);
    }
}
