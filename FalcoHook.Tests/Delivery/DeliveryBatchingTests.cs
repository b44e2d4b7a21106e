using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Delivery;

/// <summary>Claims take several rounds of sends at once; the outcomes of concurrent sends share store writes.</summary>
public sealed class DeliveryBatchingTests
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_000);

    [Fact]
    public async Task Marks_that_arrive_while_a_write_runs_go_together_in_the_next_write()
    {
        using var dir = new TempDirectory();
        var store = new CountingOutboxStore(new SqliteOutboxStore(new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={dir.File("o.db")}" }))));
        await store.AddAsync([.. Enumerable.Range(0, 4).Select(i => new NewDelivery($"d{i}", "siem", "{}"))], T0, CancellationToken.None);
        await store.ClaimDueAsync("siem", T0, 4, CancellationToken.None);
        var marker = new OutcomeMarker(store, TimeProvider.System);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        store.Gate = gate;

        var first = marker.RecordAsync(DeliveryOutcome.Delivered("d0", 1));
        await Eventually.TrueAsync(() => store.Writes.Count == 1, "the first write to start");
        var rest = new[] { marker.RecordAsync(DeliveryOutcome.Delivered("d1", 1)), marker.RecordAsync(DeliveryOutcome.Dead("d2", 1, "HTTP 400")),
            marker.RecordAsync(DeliveryOutcome.Delivered("d3", 2)) };
        Assert.False(first.IsCompleted);
        Assert.All(rest, t => Assert.False(t.IsCompleted)); // waiting for a write that holds them
        gate.SetResult();
        await Task.WhenAll([first, .. rest]);

        Assert.Equal(["d0", "d1 d2 d3"], store.Writes.Select(w => string.Join(' ', w)));
        var states = await Task.WhenAll(new[] { "d0", "d1", "d2", "d3" }.Select(id => store.GetAsync(id, CancellationToken.None)));
        Assert.Equal([DeliveryState.Delivered, DeliveryState.Delivered, DeliveryState.Dead, DeliveryState.Delivered], states.Select(r => r!.State));
    }

    [Fact]
    public async Task A_failed_write_fails_every_mark_it_held()
    {
        using var dir = new TempDirectory();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var store = new CountingOutboxStore(new SqliteOutboxStore(new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={dir.File("o.db")}" }))))
        {
            Gate = gate,
        };
        var marker = new OutcomeMarker(store, TimeProvider.System);
        var first = marker.RecordAsync(DeliveryOutcome.Delivered("a", 1));
        await Eventually.TrueAsync(() => store.Writes.Count == 1, "the first write to start");
        var second = marker.RecordAsync(DeliveryOutcome.Delivered("b", 1));
        store.Fail = true;
        gate.SetResult();

        await Assert.ThrowsAsync<IOException>(() => first);
        await Assert.ThrowsAsync<IOException>(() => second);
    }

    [Fact]
    public async Task A_backlog_is_claimed_a_lane_at_a_time_and_each_delivery_is_sent_once_within_MaxConcurrency()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(200) { Delay = TimeSpan.FromMilliseconds(20) };
        CountingOutboxStore? counting = null;
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:siem:Type"] = "webhook",
            ["FalcoHook:Destinations:siem:Url"] = receiver.Url("/hook"),
            ["FalcoHook:Destinations:siem:MaxConcurrency"] = "4",
        }, configure: services => services.AddSingleton<IOutboxStore>(sp =>
            counting = new CountingOutboxStore(ActivatorUtilities.CreateInstance<SqliteOutboxStore>(sp))));

        await host.Outbox.EnqueueAsync([.. Enumerable.Range(0, 256).Select(i => new RoutedNotification(TestAlerts.Notification(i), ["siem"]))], CancellationToken.None);
        await receiver.WaitForRequestsAsync(256);
        await Eventually.TrueAsync(async () => (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered) == 256,
            "every delivery recorded delivered");

        Assert.Equal(256, receiver.Requests.Select(r => r.Header("webhook-id")).Distinct().Count());
        Assert.InRange(receiver.MaxConcurrent, 1, 4);
        // Up to 128 rows a claim (32 rounds of four sends), the next once a quarter is free: the 256 rows need a few
        // claims, not one per send.
        Assert.InRange(counting!.ClaimsWithRows, 2, 12);
        Assert.Equal(256, counting.Writes.Sum(w => w.Count));
    }

    private static Dictionary<string, string?> Webhook(FakeReceiver receiver, int concurrency) => new()
    {
        ["FalcoHook:Destinations:siem:Type"] = "webhook",
        ["FalcoHook:Destinations:siem:Url"] = receiver.Url("/hook"),
        ["FalcoHook:Destinations:siem:MaxConcurrency"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    [Fact]
    public async Task Workers_send_on_while_outcomes_wait_for_their_write_holding_at_most_the_lane_depth_then_many_commit_together()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        CountingOutboxStore? counting = null;
        await using var host = await DeliveryTestHost.StartAsync(Webhook(receiver, 2), configure: services => services.AddSingleton<IOutboxStore>(sp =>
            counting = new CountingOutboxStore(ActivatorUtilities.CreateInstance<SqliteOutboxStore>(sp)) { Gate = gate }));
        try
        {
            await host.Outbox.EnqueueAsync([.. Enumerable.Range(0, 80).Select(i => new RoutedNotification(TestAlerts.Notification(i), ["siem"]))], CancellationToken.None);

            // The first outcome write is held: the two workers send on until the lane holds its depth (64 rows for
            // MaxConcurrency 2), each row still in sending, and claim no more.
            await receiver.WaitForRequestsAsync(64);
            var held = await host.Store.CountByStateAsync(CancellationToken.None);
            Assert.Equal(64, held.GetValueOrDefault(DeliveryState.Sending));
            Assert.Equal(16, held.GetValueOrDefault(DeliveryState.Pending));
            Assert.Equal(0, held.GetValueOrDefault(DeliveryState.Delivered));
            Assert.Equal(64, receiver.Requests.Count);
        }
        finally
        {
            gate.TrySetResult();
        }
        await Eventually.TrueAsync(async () => (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered) == 80,
            "every delivery recorded delivered");

        Assert.Equal(80, receiver.Requests.Count);
        Assert.Equal(80, receiver.Requests.Select(r => r.Header("webhook-id")).Distinct().Count());
        Assert.InRange(receiver.MaxConcurrent, 1, 2);
        var writes = counting!.Writes;
        Assert.Equal(80, writes.Sum(w => w.Count));
        // The outcomes queued behind the held write commit together, not one write per send.
        Assert.InRange(writes.Count, 2, 20);
        Assert.True(writes.Max(w => w.Count) >= 32, $"writes of {string.Join(", ", writes.Select(w => w.Count))} outcomes");
    }

    [Fact]
    public async Task Rows_sent_whose_outcomes_never_committed_are_sent_again_under_the_same_ids_by_the_next_start()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        using var dir = new TempDirectory();
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var first = await DeliveryTestHost.StartAsync(Webhook(receiver, 2), dir: dir, configure: services => services.AddSingleton<IOutboxStore>(sp =>
            new CountingOutboxStore(ActivatorUtilities.CreateInstance<SqliteOutboxStore>(sp)) { Gate = gate }));
        try
        {
            await first.Outbox.EnqueueAsync([.. Enumerable.Range(0, 80).Select(i => new RoutedNotification(TestAlerts.Notification(i), ["siem"]))], CancellationToken.None);
            var sent = (await receiver.WaitForRequestsAsync(64)).Select(r => r.Header("webhook-id")!).ToHashSet();
            Assert.Equal(64, sent.Count);

            // The first process's outcome write never commits (as if it were killed there); the next start on the same file
            // finds those rows in sending and sends them again.
            await using var second = await DeliveryTestHost.StartAsync(Webhook(receiver, 2), dir: dir);
            await Eventually.TrueAsync(async () => (await second.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered) == 80,
                "every delivery recorded delivered by the second start");

            CountingOutboxStore.AssertSentAgainOnce(receiver, sent, distinct: 80);
        }
        finally
        {
            gate.TrySetResult(); // lets the first host stop: its late write marks delivered rows delivered again
        }
    }
}
