using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Delivery;

/// <summary>
/// The shared batching machinery, through a batching type (elasticsearch) and its bulk API fake: deliveries of one
/// destination go out many per request, a failed request is retried whole, and a bulk answer that refuses some items
/// makes exactly those items retry or die.
/// </summary>
public sealed class BatchDeliveryTests
{
    [Fact]
    public async Task Ten_thousand_alerts_to_a_batching_destination_arrive_in_at_most_40_requests()
    {
        var (receiver, fake) = await StartFakeAsync();
        await using var _ = receiver;
        await using var host = await DeliveryTestHost.StartAsync(Settings(receiver));

        for (var chunk = 0; chunk < 10; chunk++)
            await host.Outbox.EnqueueAsync(Enumerable.Range(chunk * 1000, 1000).Select(n => new RoutedNotification(TestAlerts.Notification(n), ["es"])).ToList(),
                CancellationToken.None);

        await Eventually.TrueAsync(() => fake.Documents.Count >= 10_000, "10,000 documents in the index", TimeSpan.FromSeconds(90),
            () => $"{fake.Documents.Count} documents after {fake.Requests} requests");
        Assert.Equal(10_000, fake.Documents.Count);
        Assert.True(fake.Requests <= 40, $"{fake.Requests} requests for 10,000 alerts");
        Assert.All(fake.Bulks, ids => Assert.InRange(ids.Count, 1, 500));
        Assert.Equal(0, fake.Malformed);
        Assert.Equal(0, fake.Conflicts);
        await Eventually.TrueAsync(async () => (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered) == 10_000,
            "10,000 deliveries recorded delivered");
    }

    [Fact]
    public async Task A_bulk_answer_with_3_refused_items_retries_exactly_those_3()
    {
        var (receiver, fake) = await StartFakeAsync();
        await using var _ = receiver;
        string[] refused = ["n=2)", "n=5)", "n=7)"];
        fake.Refuse = (_, document, offered) => offered == 1 && refused.Any(document.GetProperty("output").GetString()!.EndsWith) ? 429 : null;
        await using var host = await DeliveryTestHost.StartAsync(Settings(receiver));

        var ids = await EnqueueTenAsync(host);
        foreach (var id in ids) await host.WaitForStateAsync(id, DeliveryState.Delivered);

        var bulks = fake.Bulks;
        Assert.Equal(2, bulks.Count);
        Assert.Equal(ids.Order(), bulks[0].Order());
        var refusedIds = ids.Where((_, n) => n is 2 or 5 or 7).ToList();
        Assert.Equal(refusedIds.Order(), bulks[1].Order());
        foreach (var id in ids)
            Assert.Equal(refusedIds.Contains(id) ? 2 : 1, (await host.Store.GetAsync(id, CancellationToken.None))!.Attempts);
        Assert.Equal(10, fake.Documents.Count);
    }

    [Fact]
    public async Task Items_the_sink_refuses_for_good_are_dead_and_the_rest_delivered_without_a_resend()
    {
        var (receiver, fake) = await StartFakeAsync();
        await using var _ = receiver;
        fake.Refuse = (_, document, _) => document.GetProperty("output").GetString()!.EndsWith("n=4)", StringComparison.Ordinal) ? 400 : null;
        await using var host = await DeliveryTestHost.StartAsync(Settings(receiver));

        var ids = await EnqueueTenAsync(host);
        var dead = await host.WaitForStateAsync(ids[4], DeliveryState.Dead);
        foreach (var id in ids.Where(i => i != ids[4])) await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Contains("bulk item status 400: document_parsing_exception", dead.LastError);
        Assert.Single(fake.Bulks);
        Assert.Equal(9, fake.Documents.Count);
    }

    [Fact]
    public async Task A_failed_bulk_request_is_retried_as_a_whole_and_the_sink_keeps_one_document_per_delivery()
    {
        var (receiver, fake) = await StartFakeAsync();
        await using var _ = receiver;
        fake.FailRequest = n => n == 1 ? new FakeResponse(503, "{\"error\":\"unavailable\"}") : null;
        await using var host = await DeliveryTestHost.StartAsync(Settings(receiver));

        var ids = await EnqueueTenAsync(host);
        foreach (var id in ids) await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Equal(2, fake.Requests);
        Assert.Equal(ids.Order(), fake.Bulks.Single().Order());
        Assert.Equal(ids.Order(), fake.Documents.Keys.Order());
        foreach (var id in ids) Assert.Equal(2, (await host.Store.GetAsync(id, CancellationToken.None))!.Attempts);
    }

    [Fact]
    public async Task A_batch_that_is_not_full_waits_for_more_at_most_the_linger()
    {
        var (receiver, fake) = await StartFakeAsync();
        await using var _ = receiver;
        await using var host = await DeliveryTestHost.StartAsync(new(Settings(receiver)) { ["FalcoHook:Destinations:es:BatchLinger"] = "00:00:00.300" });

        var first = (await host.EnqueueAsync(TestAlerts.Notification(1), "es")).Single();
        var second = (await host.EnqueueAsync(TestAlerts.Notification(2), "es")).Single();
        await host.WaitForStateAsync(first, DeliveryState.Delivered);
        await host.WaitForStateAsync(second, DeliveryState.Delivered);

        // Two deliveries enqueued one after the other within the linger go out together.
        Assert.Equal(new[] { first, second }.Order(), fake.Bulks.Single().Order());
    }

    internal static async Task<(FakeReceiver Receiver, ElasticsearchFake Fake)> StartFakeAsync()
    {
        var receiver = await FakeReceiver.StartAsync();
        var fake = new ElasticsearchFake();
        receiver.Responder = fake.Answer;
        return (receiver, fake);
    }

    private static Dictionary<string, string?> Settings(FakeReceiver receiver) => new()
    {
        ["FalcoHook:Destinations:es:Type"] = "elasticsearch",
        ["FalcoHook:Destinations:es:Url"] = receiver.Url("/"),
        ["FalcoHook:Destinations:es:BatchLinger"] = "00:00:00.500",
    };

    /// <summary>Ten deliveries in one transaction (so one claim finds them all); their ids in order of n.</summary>
    private static async Task<IReadOnlyList<string>> EnqueueTenAsync(DeliveryTestHost host)
    {
        var notifications = Enumerable.Range(0, 10).Select(n => TestAlerts.Notification(n)).ToList();
        await host.Outbox.EnqueueAsync(notifications.Select(n => new RoutedNotification(n, ["es"])).ToList(), CancellationToken.None);
        var rows = (await host.Store.ListAsync(new DeliveryQuery(Limit: 100), CancellationToken.None)).Items;
        return notifications.Select(n => rows.Single(r => NotificationJson.Deserialize(r.NotificationJson).Alert.Output == n.Alert.Output).Id).ToList();
    }
}
