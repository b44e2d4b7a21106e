using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Silences;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Tests.Pipeline;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Replicas;

/// <summary>
/// Leadership moving between two replicas over one database (here two pipelines over one SQLite file, each with its
/// own memory, on one clock): a replica that leads again reloads the state (<see cref="AlertPipeline.ReloadAsync"/>),
/// so it neither sends a repeat the other replica held back nor flushes a storm window the other one closed.
/// </summary>
public sealed class LeaderTakeoverStateTests : IDisposable
{
    private static readonly Dictionary<string, DestinationOptions> Destinations = new() { ["siem"] = new() { Type = "webhook" } };

    private static readonly PipelineOptions Options = new()
    {
        Dedup = new DedupOptions { Enabled = true, Window = TimeSpan.FromMinutes(1) },
        Aggregate = new AggregateOptions { Window = TimeSpan.FromMinutes(1), Threshold = 5 },
    };

    private readonly PipelineTestKit _kit = new();
    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        _dir.Dispose();
        _kit.Dispose();
    }

    private (AlertPipeline Pipeline, SqliteOutboxStore Outbox) Replica()
    {
        var database = new SqliteDatabase(Microsoft.Extensions.Options.Options.Create(new StorageOptions { ConnectionString = $"Data Source={_dir.File("shared.db")}" }));
        var outbox = new SqliteOutboxStore(database);
        var pipeline = AlertPipeline.Create(Options, Destinations, _kit.Compiler, new InMemorySilenceStore(_kit.Time),
            new DurableOutbox(outbox, new DeliverySignal(_kit.Time), _kit.Time), _kit.Time, _kit.Telemetry, new SqlitePipelineStateStore(database));
        return (pipeline, outbox);
    }

    private static async Task<List<Notification>> SentAsync(SqliteOutboxStore outbox) =>
        (await outbox.ListAsync(new DeliveryQuery(Limit: 10_000), CancellationToken.None)).Items
            .Select(d => NotificationJson.Deserialize(d.NotificationJson)).ToList();

    private static FalcoAlert Shell(int i) => PipelineTestKit.Alert(output: $"A shell was spawned (pid={i})",
        time: PipelineTestKit.Start.AddMilliseconds(i), fields: new Dictionary<string, object> { ["proc.pid"] = i });

    [Fact]
    public async Task A_replica_leading_again_does_not_send_a_repeat_the_other_leader_held_back()
    {
        var (a, outbox) = Replica();
        var (b, _) = Replica();
        var first = PipelineTestKit.Alert(rule: "Read sensitive file untrusted", output: "Sensitive file opened");
        var second = PipelineTestKit.Alert(rule: "Write below etc", output: "File below /etc opened for writing");

        await a.HandleAsync(TestInbox.Alerts(first), CancellationToken.None); // A leads, loads, sends
        await b.ReloadAsync(CancellationToken.None);                            // B takes over
        await b.HandleAsync(TestInbox.Alerts(second, first), CancellationToken.None);
        Assert.Equal(2, (await SentAsync(outbox)).Count); // the repeat of first held back by B, from A's state

        await a.ReloadAsync(CancellationToken.None); // A leads again: B's entry for second is in its memory now
        await a.HandleAsync(TestInbox.Alerts(second), CancellationToken.None);
        Assert.Equal(2, (await SentAsync(outbox)).Count);
    }

    [Fact]
    public async Task A_storm_window_closed_by_the_other_leader_is_not_summarised_twice()
    {
        var (a, outbox) = Replica();
        var (b, _) = Replica();
        await a.HandleAsync(TestInbox.Alerts(Enumerable.Range(0, 8).Select(Shell)), CancellationToken.None);
        await b.ReloadAsync(CancellationToken.None);
        await b.HandleAsync(TestInbox.Alerts(Enumerable.Range(8, 4).Select(Shell)), CancellationToken.None);

        _kit.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await b.FlushDueAsync(_kit.Time.GetUtcNow(), CancellationToken.None));
        var summary = Assert.Single(await SentAsync(outbox), n => n.Digest is not null);
        Assert.Equal(12, summary.Digest!.Count); // both leaders' alerts in one window

        await a.ReloadAsync(CancellationToken.None); // A still held the open window in memory
        Assert.Equal(0, await a.FlushDueAsync(_kit.Time.GetUtcNow(), CancellationToken.None));
        Assert.Single(await SentAsync(outbox), n => n.Digest is not null);
    }
}
