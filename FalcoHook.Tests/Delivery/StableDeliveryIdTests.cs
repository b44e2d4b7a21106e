using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Silences;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Tests.Delivery;
using FalcoHook.Tests.Pipeline;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Delivery;

/// <summary>
/// The inbox forgets a batch only after the pipeline has written its deliveries, so a crash in between hands the
/// batch over again after the restart. Delivery ids derive from the inbox rows: the second time adds nothing, and
/// the receiver never sees one alert under two webhook-ids.
/// </summary>
public sealed class StableDeliveryIdTests
{
    private static readonly Dictionary<string, DestinationOptions> Destinations = new()
    {
        ["siem"] = new() { Type = "webhook" },
        ["audit"] = new() { Type = "webhook" },
    };

    [Fact]
    public async Task A_batch_handled_again_after_a_crash_before_the_inbox_delete_adds_no_delivery()
    {
        using var dir = new TempDirectory();
        using var meters = new TestMeterFactory();
        var file = dir.File("falcohook.db");

        // Before the crash: three alerts accepted; the drain handed them to the pipeline, which wrote the outbox;
        // the process died before the inbox deleted the rows.
        var (store, outbox, pipeline) = Open(file, meters);
        await AppendThreeAsync(store);
        var entries = await store.ReadAsync(10, CancellationToken.None);
        await pipeline.HandleAsync(TestInbox.FromRows(entries), CancellationToken.None);
        var before = await IdsAsync(outbox);
        dir.ClosePooledConnections();

        // After the restart: a new pipeline (its dedup state is gone with the process) and the drain, on the same file.
        (store, outbox, pipeline) = Open(file, meters);
        await using var restarted = await StartedInboxAsync(store);
        Assert.Equal(3, restarted.Pending);
        using var drain = new InboxDrainService(restarted, store, pipeline, Options.Create(new IngestOptions()), TimeProvider.System, NullLogger<InboxDrainService>.Instance);
        await drain.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(async () => await store.CountAsync(CancellationToken.None) == 0, "the inbox emptied by the drain");
        await drain.StopAsync(CancellationToken.None);
        var after = await IdsAsync(outbox);

        Assert.Equal(6, before.Count); // 3 alerts x 2 destinations
        Assert.Equal(before, after);
        Assert.All(after, id => Assert.Equal(7, Guid.ParseExact(id["msg_".Length..], "N").Version));
    }

    [Fact]
    public async Task A_decorator_that_copies_the_alerts_still_gets_the_same_delivery_ids_when_the_rows_are_handed_over_again()
    {
        using var dir = new TempDirectory();
        using var meters = new TestMeterFactory();
        var file = dir.File("falcohook.db");

        // Before the crash: the rows went through a decorator that hands the pipeline copies of the alerts; the outbox
        // was written, and the process died before the inbox deleted the rows.
        var (store, outbox, pipeline) = Open(file, meters);
        await AppendThreeAsync(store);
        var copying = new CopyingHandler(pipeline);
        await copying.HandleAsync(TestInbox.FromRows(await store.ReadAsync(10, CancellationToken.None)), CancellationToken.None);
        var before = await IdsAsync(outbox);
        dir.ClosePooledConnections();

        // After the restart the drain hands the same rows over again, through the decorator, to a new pipeline.
        (store, outbox, pipeline) = Open(file, meters);
        await using var restarted = await StartedInboxAsync(store);
        var copyingAgain = new CopyingHandler(pipeline);
        using var drain = new InboxDrainService(restarted, store, copyingAgain, Options.Create(new IngestOptions()), TimeProvider.System, NullLogger<InboxDrainService>.Instance);
        await drain.StartAsync(CancellationToken.None);
        await Eventually.TrueAsync(async () => await store.CountAsync(CancellationToken.None) == 0, "the inbox emptied by the drain");
        await drain.StopAsync(CancellationToken.None);

        Assert.Equal(3, copying.Copied);
        Assert.Equal(3, copyingAgain.Copied); // the pipeline saw none of the objects the inbox read
        Assert.Equal(6, before.Count); // 3 alerts x 2 destinations
        Assert.Equal(before, await IdsAsync(outbox));
    }

    [Fact]
    public void A_delivery_id_is_the_same_for_the_same_row_and_destination_and_differs_otherwise()
    {
        var received = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero);
        var row = new AlertOrigin(41, received, default);
        var id = DurableOutbox.IdFor(row, "siem", 0);

        Assert.Equal(id, DurableOutbox.IdFor(row with { Trace = new System.Diagnostics.ActivityContext(
            System.Diagnostics.ActivityTraceId.CreateRandom(), System.Diagnostics.ActivitySpanId.CreateRandom(), default) }, "siem", 0));
        Assert.Equal(5, new[]
        {
            id, DurableOutbox.IdFor(row, "audit", 0), DurableOutbox.IdFor(row, "siem", 1),
            DurableOutbox.IdFor(row with { InboxId = 42 }, "siem", 0), DurableOutbox.IdFor(row with { Received = received.AddMilliseconds(1) }, "siem", 0),
        }.Distinct().Count());
        // UUIDv7: ids sort by the row's receipt, like the random ones.
        Assert.Equal(received.ToUnixTimeMilliseconds(), Convert.ToInt64(id.Substring("msg_".Length, 12), 16));
        Assert.True(string.CompareOrdinal(id, DurableOutbox.IdFor(row with { InboxId = 40, Received = received.AddSeconds(1) }, "siem", 0)) < 0);
    }

    [Fact]
    public async Task A_storm_summary_keeps_its_id_for_its_group_window_and_destination()
    {
        using var dir = new TempDirectory();
        var store = new SqliteOutboxStore(new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={dir.File("falcohook.db")}" })));
        var outbox = new DurableOutbox(store, new DeliverySignal(TimeProvider.System), TimeProvider.System);
        var end = new DateTimeOffset(2026, 11, 27, 10, 1, 0, TimeSpan.Zero);
        Notification Summary(string fingerprint) => new(PipelineTestKit.Alert(time: end), fingerprint)
        {
            Digest = new AlertDigest { Count = 42, FirstSeen = default, LastSeen = default, FirstOutput = "first" },
        };

        // Flushed, then (a crash before the window was forgotten) flushed again after the restart.
        await outbox.EnqueueAsync([new RoutedNotification(Summary("window-a"), ["siem", "audit"])], CancellationToken.None);
        await outbox.EnqueueAsync([new RoutedNotification(Summary("window-a"), ["siem"])], CancellationToken.None);
        await outbox.EnqueueAsync([new RoutedNotification(Summary("window-b"), ["siem"])], CancellationToken.None);

        var ids = await IdsAsync(store);
        Assert.Equal(3, ids.Count);
        Assert.Contains(DurableOutbox.IdForSummary(Summary("window-a"), "siem"), ids);
        Assert.All(ids, id => Assert.Equal(end.ToUnixTimeMilliseconds(), Convert.ToInt64(id.Substring("msg_".Length, 12), 16)));
    }

    [Fact]
    public async Task An_alert_is_delivered_under_its_inbox_row_and_one_without_a_row_is_refused_before_the_outbox()
    {
        using var dir = new TempDirectory();
        var store = new SqliteOutboxStore(new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={dir.File("falcohook.db")}" })));
        var outbox = new DurableOutbox(store, new DeliverySignal(TimeProvider.System), TimeProvider.System);
        var notification = TestAlerts.Notification(1);

        await outbox.EnqueueAsync([new RoutedNotification(notification, ["siem"])], CancellationToken.None);
        await outbox.EnqueueAsync([new RoutedNotification(notification, ["siem"])], CancellationToken.None);
        var bare = new Notification(notification.Alert, notification.Fingerprint);

        Assert.Equal([DurableOutbox.IdFor(notification.Origin!, "siem", 0)], await IdsAsync(store));
        Assert.Throws<ArgumentException>(() => new RoutedNotification(bare, ["siem"]));
    }

    private static async Task<DurableAlertInbox> StartedInboxAsync(IInboxStore store)
    {
        var inbox = new DurableAlertInbox(store, Options.Create(new IngestOptions()), TimeProvider.System, NullLogger<DurableAlertInbox>.Instance);
        await inbox.StartAsync(CancellationToken.None);
        return inbox;
    }

    /// <summary>Three alerts accepted by the inbox. Distinct rules: the default dedup stage keeps them apart.</summary>
    private static async Task AppendThreeAsync(IInboxStore store)
    {
        await using var inbox = await StartedInboxAsync(store);
        await inbox.AppendAsync([PipelineTestKit.Alert(rule: "r1"), PipelineTestKit.Alert(rule: "r2"), PipelineTestKit.Alert(rule: "r3")], CancellationToken.None);
    }

    /// <summary>A decorator that hands the handler new alert objects, read back from each alert's JSON, with their inbox rows.</summary>
    private sealed class CopyingHandler(IAlertBatchHandler inner) : IAlertBatchHandler
    {
        private int _copied;

        public int Copied => Volatile.Read(ref _copied);

        public Task HandleAsync(IReadOnlyList<InboxAlert> batch, CancellationToken cancellationToken)
        {
            var copies = batch.Select(item =>
            {
                var errors = new List<AlertError>();
                using var json = JsonDocument.Parse(item.Alert.ToJson());
                var copy = AlertReader.FromElement(json.RootElement, "$", errors) ?? throw new InvalidOperationException(string.Join("; ", errors));
                Assert.NotSame(item.Alert, copy);
                Assert.Equal(item.Alert.ToJson(), copy.ToJson());
                Interlocked.Increment(ref _copied);
                return item with { Alert = copy };
            }).ToList();
            return inner.HandleAsync(copies, cancellationToken);
        }
    }

    private static (SqliteInboxStore Store, SqliteOutboxStore Outbox, AlertPipeline Pipeline) Open(string file, TestMeterFactory meters)
    {
        var db = new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={file}" }));
        var outbox = new SqliteOutboxStore(db);
        var pipeline = AlertPipeline.Create(new PipelineOptions(), Destinations, new FalcoAlertConditionCompiler(), new InMemorySilenceStore(TimeProvider.System),
            new DurableOutbox(outbox, new DeliverySignal(TimeProvider.System), TimeProvider.System), TimeProvider.System, new PipelineTelemetry(meters));
        return (new SqliteInboxStore(db), outbox, pipeline);
    }

    private static async Task<IReadOnlyList<string>> IdsAsync(IOutboxStore outbox) =>
        (await outbox.ListAsync(new DeliveryQuery(Limit: 100), CancellationToken.None)).Items.Select(d => d.Id).Order(StringComparer.Ordinal).ToList();
}
