using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FalcoHook.Tests.Delivery;

/// <summary>Fresh deliveries go to a lane that has claimed all that was due in the write that records them, without a claim.</summary>
public sealed class DeliveryHandoffTests
{
    private static Dictionary<string, string?> Webhook(FakeReceiver receiver, int concurrency = 4) => new()
    {
        ["FalcoHook:Destinations:siem:Type"] = "webhook",
        ["FalcoHook:Destinations:siem:Url"] = receiver.Url("/hook"),
        ["FalcoHook:Destinations:siem:MaxConcurrency"] = concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static Task<DeliveryTestHost> StartAsync(FakeReceiver receiver, Action<CountingOutboxStore> counted, TempDirectory? dir = null, int concurrency = 4) =>
        DeliveryTestHost.StartAsync(Webhook(receiver, concurrency), dir: dir, configure: services => services.AddSingleton<IOutboxStore>(sp =>
        {
            var store = new CountingOutboxStore(ActivatorUtilities.CreateInstance<SqliteOutboxStore>(sp));
            counted(store);
            return store;
        }));

    private static RoutedNotification[] Alerts(int from, int count) =>
        [.. Enumerable.Range(from, count).Select(i => new RoutedNotification(TestAlerts.Notification(i), ["siem"]))];

    private static Task DeliveredAsync(DeliveryTestHost host, int count) =>
        Eventually.TrueAsync(async () => (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered) == count,
            $"{count} deliveries recorded delivered");

    [Fact]
    public async Task Once_a_claim_has_taken_all_that_was_due_fresh_rows_are_written_claimed_and_sent_without_another_claim()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        CountingOutboxStore? counting = null;
        await using var host = await StartAsync(receiver, s => counting = s);

        // The lane's first row is written pending and claimed: until a claim finds nothing more, older rows may wait.
        await host.Outbox.EnqueueAsync(Alerts(0, 1), CancellationToken.None);
        await DeliveredAsync(host, 1);
        Assert.Equal((1, 0), (counting!.ClaimsWithRows, counting.Handed));

        await host.Outbox.EnqueueAsync(Alerts(1, 20), CancellationToken.None);
        await DeliveredAsync(host, 21);
        Assert.Equal((1, 20), (counting.ClaimsWithRows, counting.Handed));
        Assert.Equal(21, receiver.Requests.Count);
        Assert.Equal(21, receiver.Requests.Select(r => r.Header("webhook-id")).Distinct().Count());
    }

    [Fact]
    public async Task A_batch_handled_again_after_a_crash_hands_over_none_of_its_rows_a_second_time()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        CountingOutboxStore? counting = null;
        await using var host = await StartAsync(receiver, s => counting = s);
        await host.Outbox.EnqueueAsync(Alerts(0, 1), CancellationToken.None);
        await DeliveredAsync(host, 1);
        var batch = Alerts(1, 10);
        await host.Outbox.EnqueueAsync(batch, CancellationToken.None);
        await DeliveredAsync(host, 11);
        Assert.Equal(10, counting!.Handed);

        // The same alerts again (their inbox rows handled once more after a crash): same ids, stored already, so none is handed over.
        await host.Outbox.EnqueueAsync(batch, CancellationToken.None);
        Assert.Equal(10, counting.Handed);
        await host.Outbox.EnqueueAsync(Alerts(11, 2), CancellationToken.None);
        await DeliveredAsync(host, 13);

        Assert.Equal(12, counting.Handed);
        Assert.Equal(13, receiver.Requests.Count);
        Assert.Equal(13, receiver.Requests.Select(r => r.Header("webhook-id")).Distinct().Count());
    }

    [Fact]
    public async Task Rows_handed_over_whose_outcomes_never_committed_are_sent_again_under_the_same_ids_by_the_next_start()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        using var dir = new TempDirectory();
        CountingOutboxStore? counting = null;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // MaxConcurrency 1: a lane of 32 rows, which the rows below fill (all handed over, or 31 if the first row still
        // counted when they came and one claimed), so this first process takes no more.
        await using var first = await StartAsync(receiver, s => counting = s, dir, concurrency: 1);
        try
        {
            await first.Outbox.EnqueueAsync(Alerts(0, 1), CancellationToken.None);
            await DeliveredAsync(first, 1);

            // The next outcome write never commits (as if the process were killed there): the handed rows stay in sending.
            counting!.Gate = gate;
            await first.Outbox.EnqueueAsync(Alerts(1, 40), CancellationToken.None);
            var sent = (await receiver.WaitForRequestsAsync(33)).Skip(1).Select(r => r.Header("webhook-id")!).ToHashSet();
            Assert.Equal(32, sent.Count);
            Assert.InRange(counting.Handed, 31, 32);
            var states = await first.Store.CountByStateAsync(CancellationToken.None);
            Assert.Equal((32, 8), (states.GetValueOrDefault(DeliveryState.Sending), states.GetValueOrDefault(DeliveryState.Pending)));

            await using var second = await DeliveryTestHost.StartAsync(Webhook(receiver), dir: dir);
            await DeliveredAsync(second, 41);

            CountingOutboxStore.AssertSentAgainOnce(receiver, sent, distinct: 41);
        }
        finally
        {
            gate.TrySetResult(); // lets the first host stop: its late write marks delivered rows delivered again
        }
    }
}
