using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Destinations;

/// <summary><c>Type: cloudwatchlogs</c> against a fake of <c>PutLogEvents</c> as documented (tested against the documented API).</summary>
public sealed class CloudWatchLogsDeliveryTests
{
    private const string AccessKey = "AKIALOGSEXAMPLE";
    private const string SecretKey = "logs/secret/EXAMPLEKEY0123456789abcdef";
    private const string Group = "/falco/alerts";

    [Fact]
    public async Task Alerts_are_signed_PutLogEvents_in_chronological_order_with_the_alert_time_as_timestamp()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var logs = new CloudWatchLogsFake(Group, AccessKey, SecretKey);
        logs.AddStream("falcohook");
        receiver.Responder = logs.Answer;
        await using var host = await StartAsync(receiver, new() { ["BatchLinger"] = "00:00:00.300" });
        // Enqueued newest first: the request must still be in time order.
        var notifications = Enumerable.Range(1, 8).Reverse().Select(n => At(n, TimeSpan.FromSeconds(n))).Append(TestAlerts.StormSummary()).ToList();

        await host.Outbox.EnqueueAsync(notifications.Select(n => new RoutedNotification(n, ["logs"])).ToList(), CancellationToken.None);
        await WaitDeliveredAsync(host, 9);

        Assert.Empty(logs.Malformed);
        Assert.Single(logs.RequestSizes);
        var events = logs.Events;
        Assert.Equal(events.Select(e => e.Timestamp).Order(), events.Select(e => e.Timestamp));
        var first = notifications.Single(n => n.Alert.Output.Contains("n=3)"));
        var logged = events.Single(e => e.Message == first.Alert.ToJson());
        Assert.Equal(first.Alert.Time.ToDateTimeOffset().ToUnixTimeMilliseconds(), logged.Timestamp);
        Assert.Contains(events, e => e.Message.Contains("\"falcohook.count\":42"));
        Assert.Equal("Logs_20140328.PutLogEvents", receiver.Requests[0].Header("X-Amz-Target"));
    }

    [Fact]
    public async Task A_batch_spanning_more_than_24_hours_is_split_and_events_too_old_are_dead_the_rest_delivered()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var logs = new CloudWatchLogsFake(Group, AccessKey, SecretKey);
        logs.AddStream("falcohook");
        var oldest = At(1, TimeSpan.Zero);
        logs.OldestAccepted = oldest.Alert.Time.ToDateTimeOffset().ToUnixTimeMilliseconds() + 1;
        receiver.Responder = logs.Answer;
        await using var host = await StartAsync(receiver, new() { ["BatchLinger"] = "00:00:00.300" });
        var notifications = new[] { oldest, At(2, TimeSpan.FromHours(1)), At(3, TimeSpan.FromHours(30)), At(4, TimeSpan.FromHours(31)) };

        await host.Outbox.EnqueueAsync(notifications.Select(n => new RoutedNotification(n, ["logs"])).ToList(), CancellationToken.None);
        await WaitDeliveredAsync(host, 3);
        var dead = await Eventually.MatchesAsync(() => host.Store.ListAsync(new DeliveryQuery(State: DeliveryState.Dead), CancellationToken.None),
            page => page.Items.Count == 1, "the too old event dead");

        Assert.Empty(logs.Malformed);
        Assert.Equal([2, 2], logs.RequestSizes);
        Assert.Equal(3, logs.Events.Count);
        Assert.Contains("older than 14 days", dead.Items[0].LastError);
    }

    [Fact]
    public async Task A_missing_stream_is_created_when_configured_and_is_dead_otherwise()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var logs = new CloudWatchLogsFake(Group, AccessKey, SecretKey);
        receiver.Responder = logs.Answer;
        await using (var host = await StartAsync(receiver, new() { ["LogStream"] = "node-1", ["CreateLogStream"] = "true" }))
        {
            var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "logs")).Single();
            var record = await host.WaitForStateAsync(id, DeliveryState.Delivered);
            Assert.Equal(1, record.Attempts);
            Assert.Equal(1, logs.Creates);
            Assert.Equal("node-1", logs.Events.Single().Stream);
        }
        await using (var host = await StartAsync(receiver, new() { ["LogStream"] = "node-2" }))
        {
            var id = (await host.EnqueueAsync(TestAlerts.Notification(2), "logs")).Single();
            var record = await host.WaitForStateAsync(id, DeliveryState.Dead);
            Assert.Contains("ResourceNotFoundException", record.LastError);
            Assert.Equal(1, logs.Creates);
        }
    }

    [Fact]
    public async Task Throttling_and_5xx_are_retried()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var logs = new CloudWatchLogsFake(Group, AccessKey, SecretKey)
        {
            FailRequest = n => n switch
            {
                1 => CloudWatchLogsFake.Error(400, "ThrottlingException", "Rate exceeded"),
                2 => CloudWatchLogsFake.Error(503, "ServiceUnavailableException"),
                _ => null,
            },
        };
        logs.AddStream("falcohook");
        receiver.Responder = logs.Answer;
        await using var host = await StartAsync(receiver);

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "logs")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Equal(3, record.Attempts);
        Assert.Single(logs.Events);
    }

    [Fact]
    public async Task Settings_are_checked_at_start_and_each_error_names_its_key()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:cw:Type"] = "cloudwatchlogs",
            ["FalcoHook:Destinations:cw:Region"] = "us-east-1",
            ["FalcoHook:Destinations:cw:LogStream"] = "a:b",
        }));
        Assert.Contains("FalcoHook:Destinations:cw:LogGroup is required for type cloudwatchlogs", failure.Message);
        Assert.Contains("FalcoHook:Destinations:cw:LogStream must be 1 to 512 characters without ':' or '*'", failure.Message);
    }

    private static Notification At(int n, TimeSpan after)
    {
        var alert = TestAlerts.Shell(n);
        var time = new FalcoTime(alert.Time.UnixNanoseconds + (long)after.TotalMilliseconds * 1_000_000);
        return TestAlerts.FromInbox(new FalcoAlert
        {
            Rule = alert.Rule, Priority = alert.Priority, Time = time, Output = alert.Output, Source = alert.Source, Hostname = alert.Hostname,
            Tags = alert.Tags, OutputFields = alert.OutputFields,
        }, $"at-{n}");
    }

    private static Task<DeliveryTestHost> StartAsync(FakeReceiver receiver, Dictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:logs:Type"] = "cloudwatchlogs",
            ["FalcoHook:Destinations:logs:Region"] = "us-east-1",
            ["FalcoHook:Destinations:logs:LogGroup"] = Group,
            ["FalcoHook:Destinations:logs:ServiceUrl"] = receiver.Url("/"),
            ["FalcoHook:Destinations:logs:AccessKeyId"] = AccessKey,
            ["FalcoHook:Destinations:logs:SecretAccessKey"] = SecretKey,
        };
        foreach (var (key, value) in extra ?? []) settings["FalcoHook:Destinations:logs:" + key] = value;
        return DeliveryTestHost.StartAsync(settings);
    }

    private static Task WaitDeliveredAsync(DeliveryTestHost host, int count) =>
        Eventually.TrueAsync(async () => (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered) == count,
            $"{count} delivered");
}
