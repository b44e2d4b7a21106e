using FalcoHook.Core.Delivery;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FalcoHook.Tests.Delivery;

public sealed class DispatcherFaultTests
{
    private static Dictionary<string, string?> Webhook(string name, string url, Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"FalcoHook:Destinations:{name}:Type"] = "webhook",
            [$"FalcoHook:Destinations:{name}:Url"] = url,
        };
        foreach (var (k, v) in more ?? []) settings[k] = v;
        return settings;
    }

    [Fact]
    public async Task Three_500s_then_200_delivers_with_the_same_webhook_id()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Script(new FakeResponse(500), new FakeResponse(500, "rollup_error"), new FakeResponse(503));
        await using var host = await DeliveryTestHost.StartAsync(Webhook("siem", receiver.Url("/hook")));

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "siem")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Delivered);

        var requests = receiver.Requests;
        Assert.Equal(4, requests.Count);
        Assert.All(requests, r => Assert.Equal(id, r.Header("webhook-id")));
        Assert.All(requests, r => Assert.Equal(requests[0].Body, r.Body));
        Assert.Equal(4, record.Attempts);
        Assert.Null(record.LastError);
    }

    [Fact]
    public async Task A_429_with_Retry_After_2_is_not_retried_before_2_seconds()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        await using var receiver = await FakeReceiver.StartAsync(time);
        receiver.Script(new FakeResponse(429, "", new Dictionary<string, string> { ["Retry-After"] = "2" }));
        await using var host = await DeliveryTestHost.StartAsync(Webhook("siem", receiver.Url("/hook")), time);

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "siem")).Single();
        var first = (await receiver.WaitForRequestsAsync(1)).Single();
        var waiting = await host.WaitForAsync(id, r => r.State == DeliveryState.Pending && r.Attempts == 1);

        Assert.Equal(start, first.ReceivedAt);
        Assert.Equal(start.AddSeconds(2), waiting.NextAttemptAt); // Retry-After beats the 20 ms backoff
        Assert.Contains("HTTP 429", waiting.LastError);
        // Step the clock in 100 ms until the retry arrives: it must not come before 2 s.
        await Eventually.SteppingAsync(() => receiver.Requests.Count >= 2, () => time.Advance(TimeSpan.FromMilliseconds(100)),
            "the retry", maxSteps: 100);
        var second = receiver.Requests[1];
        Assert.True(second.ReceivedAt >= start.AddSeconds(2), $"retried at {second.ReceivedAt:o}, before Retry-After");
        await host.WaitForStateAsync(id, DeliveryState.Delivered);
    }

    [Fact]
    public async Task A_400_goes_straight_to_dead_letters_with_the_reason()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(400, "missing field 'x'");
        await using var host = await DeliveryTestHost.StartAsync(Webhook("siem", receiver.Url("/hook")));

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "siem")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Dead);

        Assert.Single(receiver.Requests);
        Assert.Equal(1, record.Attempts);
        Assert.Equal("HTTP 400: missing field 'x'", record.LastError);
    }

    [Fact]
    public async Task A_destination_that_stays_down_keeps_its_deliveries_pending_while_another_delivers()
    {
        var down = await FakeReceiver.StartAsync();
        var downUrl = down.Url("/hook");
        await down.DisposeAsync(); // nothing listens there any more: connection refused
        await using var up = await FakeReceiver.StartAsync();
        var settings = Webhook("down", downUrl);
        foreach (var (k, v) in Webhook("up", up.Url("/hook"))) settings[k] = v;
        await using var host = await DeliveryTestHost.StartAsync(settings);

        var ids = await host.EnqueueAsync(TestAlerts.Notification(1), "down", "up");
        await host.WaitForStateAsync(ids[1], DeliveryState.Delivered);
        var pending = await host.WaitForAsync(ids[0], r => r.Attempts >= 3 && r.State != DeliveryState.Sending); // between attempts

        Assert.Equal(DeliveryState.Pending, pending.State);
        Assert.StartsWith("connection failed", pending.LastError);
        Assert.Single(up.Requests);
    }

    [Fact]
    public async Task A_delivery_out_of_attempts_is_dead_with_the_last_error()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(502);
        await using var host = await DeliveryTestHost.StartAsync(Webhook("siem", receiver.Url("/hook"), new() { ["FalcoHook:Delivery:MaxAttempts"] = "3" }));

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "siem")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Dead);

        Assert.Equal(3, receiver.Requests.Count);
        Assert.Equal(3, record.Attempts);
        Assert.StartsWith("gave up after 3 attempts", record.LastError);
        Assert.EndsWith("HTTP 502", record.LastError);
    }

    [Fact]
    public async Task Retrying_a_dead_delivery_through_the_service_delivers_it()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Script(new FakeResponse(404, "no such hook"));
        await using var host = await DeliveryTestHost.StartAsync(Webhook("siem", receiver.Url("/hook")));
        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "siem")).Single();
        await host.WaitForStateAsync(id, DeliveryState.Dead);

        Assert.True(await host.Deliveries.RetryAsync(id, CancellationToken.None));
        var record = await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Equal(2, receiver.Requests.Count);
        Assert.Equal(id, receiver.Requests[1].Header("webhook-id"));
        Assert.False(await host.Deliveries.RetryAsync(id, CancellationToken.None)); // not dead any more
        Assert.Equal(1, record.Attempts);
    }

    [Fact]
    public async Task A_delivery_left_sending_by_a_crash_is_sent_again_after_restart()
    {
        using var dir = new TempDirectory();
        await using var receiver = await FakeReceiver.StartAsync();
        var db = new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={dir.File("data/falcohook.db")}" }));
        var store = new SqliteOutboxStore(db);
        var now = DateTimeOffset.UtcNow;
        var id = DurableOutbox.IdFor(TestInbox.NewOrigin(), "siem", 0);
        await store.AddAsync([new NewDelivery(id, "siem", NotificationJson.Serialize(TestAlerts.Notification(5)))], now, CancellationToken.None);
        Assert.Single(await store.ClaimDueAsync("siem", now, 10, CancellationToken.None)); // the crashed run had claimed it
        dir.ClosePooledConnections();

        await using var host = await DeliveryTestHost.StartAsync(Webhook("siem", receiver.Url("/hook")), dir: dir);
        var record = await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Equal(id, Assert.Single(receiver.Requests).Header("webhook-id"));
        Assert.Equal(1, record.Attempts);
    }

    [Fact]
    public async Task Alerts_appended_to_the_inbox_reach_the_destination_through_the_pipeline()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        await using var host = await DeliveryTestHost.StartAsync(Webhook("siem", receiver.Url("/hook")));
        var inbox = (Core.Ingest.IAlertInbox)host.Services.GetService(typeof(Core.Ingest.IAlertInbox))!;
        var alert = TestAlerts.Shell(3);
        alert = new Core.Alerts.FalcoAlert { Rule = alert.Rule, Priority = alert.Priority, Time = alert.Time, Output = alert.Output, Tags = ["to:siem"] };

        Assert.Equal(Core.Ingest.InboxAppendResult.Accepted, await inbox.AppendAsync([alert], CancellationToken.None));
        var request = (await receiver.WaitForRequestsAsync(1)).Single();

        Assert.Equal(alert.ToJsonBytes(), request.Body);
    }
}

public sealed class DispatcherTimingTests
{
    [Fact]
    public async Task A_receiver_slower_than_the_timeout_is_retried_as_a_timeout()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Script(new FakeResponse(200) { Delay = TimeSpan.FromSeconds(5) });
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:siem:Type"] = "webhook",
            ["FalcoHook:Destinations:siem:Url"] = receiver.Url("/slow"),
            ["FalcoHook:Destinations:siem:Timeout"] = "00:00:00.500",
        });

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "siem")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Delivered);

        // The first attempt timed out and was retried (a busy machine may lose one more attempt).
        Assert.InRange(record.Attempts, 2, 4);
        Assert.InRange(receiver.Requests.Count, 2, record.Attempts);
        Assert.Contains(host.Logs.Lines, l => l.Contains("failed on attempt 1: timed out after 0.5 s"));
    }

    [Fact]
    public async Task A_send_in_flight_at_shutdown_goes_back_to_pending_without_counting_an_attempt()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(200) { Delay = TimeSpan.FromSeconds(30) };
        var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:siem:Type"] = "webhook",
            ["FalcoHook:Destinations:siem:Url"] = receiver.Url("/slow"),
            ["FalcoHook:Destinations:siem:Timeout"] = "00:01:00",
            ["FalcoHook:Delivery:ShutdownGrace"] = "00:00:00.100",
        });
        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "siem")).Single();
        await receiver.WaitForRequestsAsync(1);
        Assert.Equal(DeliveryState.Sending, (await host.Store.GetAsync(id, CancellationToken.None))!.State);

        await host.Host.StopAsync();
        var record = await host.Store.GetAsync(id, CancellationToken.None);
        await host.DisposeAsync();

        Assert.Equal(DeliveryState.Pending, record!.State);
        Assert.Equal(0, record.Attempts);
    }

    [Fact]
    public async Task No_more_than_MaxConcurrency_sends_run_at_once_per_destination()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(200) { Delay = TimeSpan.FromMilliseconds(150) };
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:siem:Type"] = "webhook",
            ["FalcoHook:Destinations:siem:Url"] = receiver.Url("/hook"),
            ["FalcoHook:Destinations:siem:MaxConcurrency"] = "2",
        });

        await host.Outbox.EnqueueAsync(Enumerable.Range(0, 6).Select(i => new RoutedNotification(TestAlerts.Notification(i), ["siem"])).ToList(), CancellationToken.None);
        await receiver.WaitForRequestsAsync(6);

        Assert.Equal(2, receiver.MaxConcurrent);
    }
}
