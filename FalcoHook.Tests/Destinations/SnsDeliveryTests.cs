using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Destinations;

/// <summary><c>Type: sns</c> against a fake of <c>PublishBatch</c> (Query protocol) as documented (tested against the documented API).</summary>
public sealed class SnsDeliveryTests
{
    private const string AccessKey = "AKIASNSEXAMPLE";
    private const string SecretKey = "sns/secret/EXAMPLEKEY0123456789abcdefgh";
    private const string Topic = "arn:aws:sns:us-east-1:123456789012:falco";

    [Fact]
    public async Task A_batch_goes_as_signed_form_encoded_PublishBatch_requests_of_at_most_ten_with_filterable_attributes()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var sns = new SnsFake(Topic, AccessKey, SecretKey);
        receiver.Responder = sns.Answer;
        await using var host = await StartAsync(receiver, Topic, new() { ["BatchSize"] = "25", ["BatchLinger"] = "00:00:00.300" });
        var notifications = Enumerable.Range(1, 24).Select(n => TestAlerts.Notification(n)).Append(TestAlerts.StormSummary()).ToList();

        await host.Outbox.EnqueueAsync(notifications.Select(n => new RoutedNotification(n, ["topic"])).ToList(), CancellationToken.None);
        await WaitDeliveredAsync(host, 25);

        Assert.Empty(sns.Malformed);
        Assert.All(sns.RequestSizes, size => Assert.InRange(size, 1, 10));
        Assert.True(sns.RequestSizes.Count >= 3, $"{sns.RequestSizes.Count} requests for 25 messages");
        Assert.Equal(25, sns.Stored.Count);
        var one = sns.Stored.Single(p => p.Message == notifications[2].Alert.ToJson());
        Assert.Equal(new Dictionary<string, string> { ["priority"] = "Critical", ["rule"] = "Terminal shell in container", ["source"] = "syscall", ["hostname"] = "falco-xczjd" }, one.Attributes);
        Assert.Contains(sns.Stored, p => p.Message.Contains("\"falcohook.count\":42"));
        Assert.StartsWith("application/x-www-form-urlencoded", receiver.Requests[0].Header("Content-Type"));
    }

    [Fact]
    public async Task A_fifo_topic_deduplicates_a_resent_batch_by_delivery_id()
    {
        const string fifo = "arn:aws:sns:us-east-1:123456789012:falco.fifo";
        await using var receiver = await FakeReceiver.StartAsync();
        var sns = new SnsFake(fifo, AccessKey, SecretKey);
        var first = true;
        receiver.Responder = request =>
        {
            var answer = sns.Answer(request);
            if (!first) return answer;
            first = false;
            return SnsFake.Error(500, "InternalError");
        };
        await using var host = await StartAsync(receiver, fifo, new() { ["BatchSize"] = "3", ["BatchLinger"] = "00:00:00.300", ["MessageGroupId"] = "falco" });
        var ids = new List<string>();
        foreach (var n in new[] { 1, 2, 3 }) ids.AddRange(await host.EnqueueAsync(TestAlerts.Notification(n), "topic"));

        await WaitDeliveredAsync(host, 3);

        Assert.Empty(sns.Malformed);
        Assert.True(sns.Requests >= 2, "the batch was not sent again");
        Assert.Equal(3, sns.Stored.Count);
        Assert.All(sns.Stored, p => Assert.Equal("falco", p.GroupId));
        Assert.Equal(ids.Order(), sns.Stored.Select(p => p.DeduplicationId).Order());
    }

    [Fact]
    public async Task Failed_entries_are_retried_alone_unless_the_sender_is_at_fault_and_errors_are_read_from_the_xml()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var sns = new SnsFake(Topic, AccessKey, SecretKey)
        {
            Refuse = (message, offered) => message.Contains("n=4)") ? (true, "InvalidParameter")
                : message.Contains("n=2)") && offered == 1 ? (false, "InternalError")
                : message.Contains("n=3)") && offered == 1 ? (true, "Throttling") : null,
            FailRequest = n => n == 1 ? SnsFake.Error(400, "Throttling", "Rate exceeded") : null,
        };
        receiver.Responder = sns.Answer;
        await using var host = await StartAsync(receiver, Topic, new() { ["BatchSize"] = "5", ["BatchLinger"] = "00:00:00.300" });
        var notifications = Enumerable.Range(1, 5).Select(n => TestAlerts.Notification(n)).ToList();

        await host.Outbox.EnqueueAsync(notifications.Select(n => new RoutedNotification(n, ["topic"])).ToList(), CancellationToken.None);
        await WaitDeliveredAsync(host, 4);
        var dead = await Eventually.MatchesAsync(() => host.Store.ListAsync(new DeliveryQuery(State: DeliveryState.Dead), CancellationToken.None),
            page => page.Items.Count == 1, "n=4 dead");

        Assert.Empty(sns.Malformed);
        Assert.Equal(4, sns.Stored.Count);
        foreach (var n in notifications)
            Assert.Equal(n.Alert.Output.Contains("n=2)") || n.Alert.Output.Contains("n=3)") ? 2 : 1, sns.OfferedCount(n.Alert.ToJson()));
        Assert.Contains("InvalidParameter", dead.Items[0].LastError);

        sns.FailRequest = _ => SnsFake.Error(403, "AuthorizationError", "User is not authorized to perform: SNS:Publish");
        var refused = (await host.EnqueueAsync(TestAlerts.Notification(9), "topic")).Single();
        var record = await host.WaitForStateAsync(refused, DeliveryState.Dead);
        Assert.Contains("AuthorizationError: User is not authorized", record.LastError);
    }

    [Fact]
    public async Task Settings_are_checked_at_start_and_each_error_names_its_key()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:t:Type"] = "sns",
            ["FalcoHook:Destinations:t:Region"] = "us-east-1",
            ["FalcoHook:Destinations:t:TopicArn"] = "falco",
        }));
        Assert.Contains("FalcoHook:Destinations:t:TopicArn must be a topic ARN", failure.Message);
    }

    private static Task<DeliveryTestHost> StartAsync(FakeReceiver receiver, string topic, Dictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:topic:Type"] = "sns",
            ["FalcoHook:Destinations:topic:Region"] = "us-east-1",
            ["FalcoHook:Destinations:topic:TopicArn"] = topic,
            ["FalcoHook:Destinations:topic:ServiceUrl"] = receiver.Url("/"),
            ["FalcoHook:Destinations:topic:AccessKeyId"] = AccessKey,
            ["FalcoHook:Destinations:topic:SecretAccessKey"] = SecretKey,
        };
        foreach (var (key, value) in extra ?? []) settings["FalcoHook:Destinations:topic:" + key] = value;
        return DeliveryTestHost.StartAsync(settings);
    }

    private static Task WaitDeliveredAsync(DeliveryTestHost host, int count) =>
        Eventually.TrueAsync(async () => (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered) == count,
            $"{count} delivered");
}
