using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace FalcoHook.Tests.Destinations;

/// <summary><c>Type: eventhubs</c> against a fake of the Event Hubs REST "send batch events" operation as documented (tested against the documented API).</summary>
public sealed class EventHubsDeliveryTests
{
    private const string Namespace = "falco-ns.servicebus.windows.net";
    private const string Hub = "falco-alerts";
    private const string KeyName = "falcohook-send";
    private const string Key = "c2VuZC1rZXktZm9yLWZhbGNvaG9vay10ZXN0cz0xMjM0NQ==";
    private const string ConnectionString = $"Endpoint=sb://{Namespace}/;SharedAccessKeyName={KeyName};SharedAccessKey={Key};EntityPath={Hub}";

    [Fact]
    public async Task Alerts_arrive_complete_in_one_signed_request_with_their_partition_key()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var hub = new EventHubsFake(Namespace, Hub, KeyName, Key, TimeProvider.System);
        receiver.Responder = hub.Answer;
        await using var host = await StartAsync(receiver, new()
        {
            ["ConnectionString"] = ConnectionString, ["PartitionKey"] = "k8s.ns.name", ["BatchLinger"] = "00:00:00.300",
        });
        var notifications = Enumerable.Range(1, 5).Select(n => TestAlerts.Notification(n)).Append(TestAlerts.StormSummary()).ToList();

        await host.Outbox.EnqueueAsync(notifications.Select(n => new RoutedNotification(n, ["hub"])).ToList(), CancellationToken.None);
        await WaitDeliveredAsync(host, 6, hub);

        Assert.Empty(hub.Malformed);
        Assert.Equal(6, Assert.Single(hub.Requests).Count);
        var one = hub.Events.Single(e => e.Body == notifications[2].Alert.ToJson());
        Assert.Equal("Critical", one.Properties["priority"]);
        Assert.Equal("Terminal shell in container", one.Properties["rule"]);
        Assert.Equal("syscall", one.Properties["source"]);
        Assert.Equal("falco-xczjd", one.Properties["hostname"]);
        Assert.Equal("default", one.PartitionKey);
        Assert.Null(one.PartitionId);
        Assert.Equal(6, hub.Events.Select(e => e.Properties["delivery_id"]).Distinct().Count());
        Assert.Contains(hub.Events, e => e.Body.Contains("\"falcohook.count\":42"));
    }

    [Fact]
    public async Task A_large_batch_is_split_at_MaxBatchBytes_and_the_separate_keys_send_to_one_partition()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var hub = new EventHubsFake(Namespace, Hub, KeyName, Key, TimeProvider.System) { MaxBytes = 20_000 };
        receiver.Responder = hub.Answer;
        await using var host = await StartAsync(receiver, new()
        {
            ["Namespace"] = "falco-ns", ["SharedAccessKeyName"] = KeyName, ["SharedAccessKey"] = Key, ["EventHub"] = Hub, ["PartitionId"] = "3",
            ["MaxBatchBytes"] = "20000", ["BatchSize"] = "500", ["BatchLinger"] = "00:00:00.500",
        });

        await host.Outbox.EnqueueAsync(Enumerable.Range(1, 500).Select(n => new RoutedNotification(TestAlerts.Notification(n), ["hub"])).ToList(), CancellationToken.None);
        await WaitDeliveredAsync(host, 500, hub);

        Assert.Empty(hub.Malformed);
        Assert.All(hub.Requests, r => Assert.InRange(r.Bytes, 1, 20_000));
        var total = hub.Requests.Sum(r => r.Bytes);
        Assert.InRange(hub.Requests.Count, (total + 19_999) / 20_000, (total + 19_999) / 20_000 + 1); // full requests, not one per alert
        Assert.Equal(500, hub.Events.Select(e => e.Properties["delivery_id"]).Distinct().Count());
        Assert.All(hub.Events, e => Assert.Equal("3", e.PartitionId));
    }

    [Fact]
    public async Task The_signature_is_renewed_before_it_expires()
    {
        var start = new DateTimeOffset(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        await using var receiver = await FakeReceiver.StartAsync(time);
        var hub = new EventHubsFake(Namespace, Hub, KeyName, Key, time);
        receiver.Responder = hub.Answer;
        await using var host = await StartAsync(receiver, new() { ["ConnectionString"] = ConnectionString, ["BatchLinger"] = "00:00:00" }, time);

        await host.WaitForStateAsync((await host.EnqueueAsync(TestAlerts.Notification(1), "hub")).Single(), DeliveryState.Delivered);
        time.Advance(TimeSpan.FromMinutes(54)); // six minutes left: kept
        await host.WaitForStateAsync((await host.EnqueueAsync(TestAlerts.Notification(2), "hub")).Single(), DeliveryState.Delivered);
        time.Advance(TimeSpan.FromMinutes(2)); // four minutes left: renewed
        await host.WaitForStateAsync((await host.EnqueueAsync(TestAlerts.Notification(3), "hub")).Single(), DeliveryState.Delivered);
        time.Advance(TimeSpan.FromMinutes(30)); // the first signature expired, the second has 30 minutes left
        await host.WaitForStateAsync((await host.EnqueueAsync(TestAlerts.Notification(4), "hub")).Single(), DeliveryState.Delivered);

        Assert.Empty(hub.Malformed);
        var first = start.AddHours(1).ToUnixTimeSeconds();
        var second = start.AddMinutes(56).AddHours(1).ToUnixTimeSeconds();
        Assert.Equal([first, first, second, second], hub.Requests.Select(r => r.Expiry));
    }

    [Fact]
    public async Task Throttling_and_server_errors_are_retried_and_401_and_403_are_dead_with_the_key_masked()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var hub = new EventHubsFake(Namespace, Hub, KeyName, Key, TimeProvider.System)
        {
            FailSend = n => n switch
            {
                1 => EventHubsFake.Error(429, "ServerBusy: the request was throttled"),
                2 => EventHubsFake.Error(500, "InternalServerError"),
                3 => EventHubsFake.Error(503, "ServiceUnavailable"),
                _ => null,
            },
        };
        receiver.Responder = hub.Answer;
        await using var host = await StartAsync(receiver, new() { ["ConnectionString"] = ConnectionString, ["BatchLinger"] = "00:00:00" });

        var retried = await host.WaitForStateAsync((await host.EnqueueAsync(TestAlerts.Notification(1), "hub")).Single(), DeliveryState.Delivered);
        Assert.Equal(4, retried.Attempts);

        foreach (var status in new[] { 401, 403 })
        {
            hub.FailSend = _ => EventHubsFake.Error(status, $"Unauthorized access for key {Key} of {ConnectionString}");
            var id = (await host.EnqueueAsync(TestAlerts.Notification(status), "hub")).Single();
            var dead = await host.WaitForStateAsync(id, DeliveryState.Dead);
            Assert.Equal(1, dead.Attempts);
            Assert.StartsWith($"HTTP {status}", dead.LastError);
            Assert.Contains(Redaction.Mask, dead.LastError);
            Assert.DoesNotContain(Key, dead.LastError);
        }
        Assert.DoesNotContain(Key, host.Logs.AllText);

        await using var wrongKey = await StartAsync(receiver, new() { ["ConnectionString"] = ConnectionString.Replace(Key, "d3Jvbmcta2V5"), ["BatchLinger"] = "00:00:00" });
        hub.FailSend = null;
        var refused = await wrongKey.WaitForStateAsync((await wrongKey.EnqueueAsync(TestAlerts.Notification(7), "hub")).Single(), DeliveryState.Dead);
        Assert.Contains("InvalidSignature", refused.LastError);
    }

    [Fact]
    public async Task Settings_errors_name_their_key()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:nohub:Type"] = "eventhubs",
            ["FalcoHook:Destinations:nohub:ConnectionString"] = $"Endpoint=sb://{Namespace}/;SharedAccessKeyName={KeyName};SharedAccessKey={Key}",
            ["FalcoHook:Destinations:nokey:Type"] = "eventhubs",
            ["FalcoHook:Destinations:nokey:ConnectionString"] = $"Endpoint=sb://{Namespace}/;SharedAccessKeyName={KeyName};EntityPath={Hub}",
            ["FalcoHook:Destinations:both:Type"] = "eventhubs",
            ["FalcoHook:Destinations:both:ConnectionString"] = ConnectionString,
            ["FalcoHook:Destinations:both:Namespace"] = "falco-ns",
            ["FalcoHook:Destinations:parts:Type"] = "eventhubs",
            ["FalcoHook:Destinations:parts:Namespace"] = "falco-ns",
            ["FalcoHook:Destinations:parts:SharedAccessKeyName"] = KeyName,
            ["FalcoHook:Destinations:parts:EventHub"] = Hub,
            ["FalcoHook:Destinations:parts:PartitionKey"] = "falco.hostname",
            ["FalcoHook:Destinations:parts:PartitionId"] = "0",
            ["FalcoHook:Destinations:parts:MaxBatchBytes"] = "2000000",
            ["FalcoHook:Destinations:none:Type"] = "eventhubs",
        }));

        Assert.Contains("FalcoHook:Destinations:nohub:EventHub is required (the ConnectionString has no EntityPath)", failure.Message);
        Assert.Contains("FalcoHook:Destinations:nokey:ConnectionString has no SharedAccessKey", failure.Message);
        Assert.Contains("FalcoHook:Destinations:both:ConnectionString and Namespace, SharedAccessKeyName, SharedAccessKey are alternatives", failure.Message);
        Assert.Contains("FalcoHook:Destinations:parts:SharedAccessKey is required with Namespace", failure.Message);
        Assert.Contains("FalcoHook:Destinations:parts:PartitionKey and PartitionId are alternatives", failure.Message);
        Assert.Contains("FalcoHook:Destinations:parts:MaxBatchBytes must be between 1024 and 1048576", failure.Message);
        Assert.Contains("FalcoHook:Destinations:none:ConnectionString (or Namespace, SharedAccessKeyName and SharedAccessKey) is required", failure.Message);
        Assert.DoesNotContain(Key, failure.Message);
    }

    private static Task<DeliveryTestHost> StartAsync(FakeReceiver receiver, Dictionary<string, string> extra, TimeProvider? time = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:hub:Type"] = "eventhubs",
            ["FalcoHook:Destinations:hub:Endpoint"] = receiver.Url("/"),
        };
        foreach (var (k, value) in extra) settings["FalcoHook:Destinations:hub:" + k] = value;
        return DeliveryTestHost.StartAsync(settings, time);
    }

    private static Task WaitDeliveredAsync(DeliveryTestHost host, int count, EventHubsFake hub) =>
        Eventually.TrueAsync(async () => (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered) == count,
            $"{count} delivered", detail: () => "malformed: " + string.Join(", ", hub.Malformed));
}
