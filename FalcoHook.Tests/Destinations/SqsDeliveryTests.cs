using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Destinations;

/// <summary><c>Type: sqs</c> through AWSSDK.SQS against a fake of <c>SendMessageBatch</c> as documented (tested against the documented API).</summary>
public sealed class SqsDeliveryTests
{
    private const string AccessKey = "AKIAIOSFODNN7EXAMPLE";
    private const string SecretKey = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private const string Queue = "https://sqs.us-east-1.amazonaws.com/123456789012/falco";

    [Fact]
    public async Task A_batch_goes_as_signed_SendMessageBatch_requests_of_at_most_ten_messages()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var sqs = new SqsFake(Queue, AccessKey, SecretKey);
        receiver.Responder = sqs.Answer;
        await using var host = await StartAsync(receiver, Queue, new() { ["BatchSize"] = "25", ["BatchLinger"] = "00:00:00.300" });
        var notifications = Enumerable.Range(1, 24).Select(n => TestAlerts.Notification(n)).Append(TestAlerts.StormSummary()).ToList();

        await host.Outbox.EnqueueAsync(notifications.Select(n => new RoutedNotification(n, ["queue"])).ToList(), CancellationToken.None);
        await WaitDeliveredAsync(host, 25);

        Assert.Empty(sqs.Malformed);
        Assert.All(sqs.RequestSizes, size => Assert.InRange(size, 1, 10));
        Assert.True(sqs.RequestSizes.Count >= 3, $"{sqs.RequestSizes.Count} requests for 25 messages");
        var bodies = sqs.Stored.Select(e => e.GetProperty("MessageBody").GetString()!).ToList();
        Assert.Equal(notifications.Take(24).Select(n => n.Alert.ToJson()).Order(), bodies.Where(b => !b.Contains(SummaryFields.Count)).Order());
        var summary = JsonDocument.Parse(bodies.Single(b => b.Contains(SummaryFields.Count))).RootElement;
        Assert.Equal(42, summary.GetProperty("output_fields").GetProperty(SummaryFields.Count).GetInt64());
        Assert.DoesNotContain(sqs.Stored, e => e.TryGetProperty("MessageGroupId", out _));
        var request = receiver.Requests[0];
        Assert.StartsWith("AWS4-HMAC-SHA256 Credential=" + AccessKey + "/", request.Header("Authorization"));
        Assert.DoesNotContain(SecretKey, request.BodyText + string.Join(' ', request.Headers.Values));
    }

    [Fact]
    public async Task Messages_are_split_so_no_request_carries_more_than_256_KiB()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var sqs = new SqsFake(Queue, AccessKey, SecretKey);
        receiver.Responder = sqs.Answer;
        await using var host = await StartAsync(receiver, Queue, new() { ["BatchSize"] = "6", ["BatchLinger"] = "00:00:00.300" });
        var big = Enumerable.Range(1, 6).Select(n => Big(n, 100_000)).ToList();
        var tooBig = Big(7, 300_000);

        await host.Outbox.EnqueueAsync(big.Append(tooBig).Select(n => new RoutedNotification(n, ["queue"])).ToList(), CancellationToken.None);
        await WaitDeliveredAsync(host, 6);
        var dead = await Eventually.MatchesAsync(() => host.Store.ListAsync(new DeliveryQuery(State: DeliveryState.Dead), CancellationToken.None),
            page => page.Items.Count == 1, "the 300 KB message dead");

        Assert.Empty(sqs.Malformed);
        Assert.All(sqs.RequestSizes, size => Assert.InRange(size, 1, 2)); // two messages of 100 KB fit in 256 KiB, three do not
        Assert.Equal(6, sqs.Stored.Count);
        Assert.Contains("larger than SQS's 262144 bytes", dead.Items[0].LastError);
    }

    [Fact]
    public async Task A_fifo_queue_gets_the_rule_as_group_and_the_delivery_id_as_deduplication_id_so_a_resend_adds_nothing()
    {
        const string fifo = "https://sqs.us-east-1.amazonaws.com/123456789012/falco.fifo";
        await using var receiver = await FakeReceiver.StartAsync();
        var sqs = new SqsFake(fifo, AccessKey, SecretKey);
        // The first request is stored, then answered 500 (as if the answer was lost): the resend carries the same ids.
        var first = true;
        receiver.Responder = request =>
        {
            var answer = sqs.Answer(request);
            if (!first) return answer;
            first = false;
            return SqsFake.Error(500, "InternalError");
        };
        await using var host = await StartAsync(receiver, fifo, new() { ["BatchSize"] = "3", ["BatchLinger"] = "00:00:00.300" });
        var ids = new List<string>();
        foreach (var n in new[] { 1, 2, 3 }) ids.AddRange(await host.EnqueueAsync(TestAlerts.Notification(n), "queue"));

        await WaitDeliveredAsync(host, 3);

        Assert.Empty(sqs.Malformed);
        Assert.True(receiver.Requests.Count >= 2, "the batch was not sent again");
        Assert.Equal(3, sqs.Stored.Count);
        Assert.All(sqs.Stored, e => Assert.Equal("Terminal_shell_in_container", e.GetProperty("MessageGroupId").GetString()));
        Assert.Equal(ids.Order(), sqs.Stored.Select(e => e.GetProperty("MessageDeduplicationId").GetString()).Order());
    }

    [Fact]
    public async Task Entries_in_Failed_are_retried_unless_the_fault_is_the_senders_which_is_dead()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var sqs = new SqsFake(Queue, AccessKey, SecretKey)
        {
            // n=2 and n=3: the queue's fault once; n=4: the sender's fault, every time.
            Refuse = (body, offered) => body.Contains("n=4)") ? (true, "InvalidParameterValue")
                : (body.Contains("n=2)") || body.Contains("n=3)")) && offered == 1 ? (false, "InternalError") : null,
        };
        receiver.Responder = sqs.Answer;
        await using var host = await StartAsync(receiver, Queue, new() { ["BatchSize"] = "6", ["BatchLinger"] = "00:00:00.300" });
        var notifications = Enumerable.Range(1, 6).Select(n => TestAlerts.Notification(n)).ToList();

        await host.Outbox.EnqueueAsync(notifications.Select(n => new RoutedNotification(n, ["queue"])).ToList(), CancellationToken.None);
        await WaitDeliveredAsync(host, 5);
        var dead = await Eventually.MatchesAsync(() => host.Store.ListAsync(new DeliveryQuery(State: DeliveryState.Dead), CancellationToken.None),
            page => page.Items.Count == 1, "n=4 dead");

        Assert.Empty(sqs.Malformed);
        Assert.Equal(5, sqs.Stored.Count);
        foreach (var n in notifications) Assert.Equal(n.Alert.Output.Contains("n=2)") || n.Alert.Output.Contains("n=3)") ? 2 : 1, sqs.OfferedCount(n.Alert.ToJson()));
        Assert.Contains("InvalidParameterValue", dead.Items[0].LastError);
    }

    [Fact]
    public async Task Throttling_and_5xx_are_retried_and_access_denied_is_dead()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var sqs = new SqsFake(Queue, AccessKey, SecretKey)
        {
            FailRequest = n => n switch
            {
                1 => SqsFake.Error(400, "RequestThrottled"),
                2 => SqsFake.Error(503, "ServiceUnavailable"),
                _ => null,
            },
        };
        receiver.Responder = sqs.Answer;
        await using var host = await StartAsync(receiver, Queue);
        var delivered = (await host.EnqueueAsync(TestAlerts.Notification(1), "queue")).Single();
        await host.WaitForStateAsync(delivered, DeliveryState.Delivered);
        Assert.Equal(3, sqs.Requests);
        Assert.Single(sqs.Stored);

        sqs.FailRequest = _ => SqsFake.Error(400, "AccessDenied", "not authorized to perform sqs:SendMessage");
        var refused = (await host.EnqueueAsync(TestAlerts.Notification(2), "queue")).Single();
        var record = await host.WaitForStateAsync(refused, DeliveryState.Dead);
        Assert.Equal(1, record.Attempts);
        Assert.Contains("AccessDenied", record.LastError);
    }

    [Fact]
    public async Task Settings_are_checked_at_start_and_each_error_names_its_key()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:q:Type"] = "sqs",
            ["FalcoHook:Destinations:q:Region"] = "Mars",
            ["FalcoHook:Destinations:q:AccessKeyId"] = "AKID",
            ["FalcoHook:Destinations:q:MessageGroupId"] = "g",
        }));
        Assert.Contains("FalcoHook:Destinations:q:QueueUrl is required for type sqs", failure.Message);
        Assert.Contains("FalcoHook:Destinations:q:Region must be an AWS region name", failure.Message);
        Assert.Contains("FalcoHook:Destinations:q:AccessKeyId and SecretAccessKey go together", failure.Message);
        Assert.Contains("FalcoHook:Destinations:q:MessageGroupId is for FIFO queues", failure.Message);
    }

    private static Notification Big(int n, int size)
    {
        var alert = TestAlerts.Shell(n);
        return TestAlerts.FromInbox(new FalcoAlert
        {
            Rule = alert.Rule, Priority = alert.Priority, Time = alert.Time, Source = alert.Source, Hostname = alert.Hostname, Tags = alert.Tags,
            Output = alert.Output + new string('x', size),
        }, $"big-{n}");
    }

    private static Task<DeliveryTestHost> StartAsync(FakeReceiver receiver, string queue, Dictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:queue:Type"] = "sqs",
            ["FalcoHook:Destinations:queue:Region"] = "us-east-1",
            ["FalcoHook:Destinations:queue:QueueUrl"] = queue,
            ["FalcoHook:Destinations:queue:ServiceUrl"] = receiver.Url("/"),
            ["FalcoHook:Destinations:queue:AccessKeyId"] = AccessKey,
            ["FalcoHook:Destinations:queue:SecretAccessKey"] = SecretKey,
        };
        foreach (var (key, value) in extra ?? []) settings["FalcoHook:Destinations:queue:" + key] = value;
        return DeliveryTestHost.StartAsync(settings);
    }

    private static Task WaitDeliveredAsync(DeliveryTestHost host, int count) =>
        Eventually.TrueAsync(async () => (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered) == count,
            $"{count} delivered");
}
