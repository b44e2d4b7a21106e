using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Destinations;

/// <summary><c>Type: kinesis</c> against a fake of <c>PutRecords</c> as documented (tested against the documented API).</summary>
public sealed class KinesisDeliveryTests
{
    private const string AccessKey = "AKIAKINESISEXAMPLE";
    private const string SecretKey = "kinesis/secret/EXAMPLEKEY0123456789abcd";

    [Fact]
    public async Task A_batch_is_one_signed_PutRecords_request_with_the_alert_as_data_and_the_host_as_partition_key()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var kinesis = new KinesisFake("falco-alerts", AccessKey, SecretKey, "eu-west-1");
        receiver.Responder = kinesis.Answer;
        await using var host = await StartAsync(receiver, new() { ["Region"] = "eu-west-1", ["BatchLinger"] = "00:00:00.300" });
        var notifications = Enumerable.Range(1, 9).Select(n => TestAlerts.Notification(n)).Append(TestAlerts.StormSummary()).ToList();

        await host.Outbox.EnqueueAsync(notifications.Select(n => new RoutedNotification(n, ["stream"])).ToList(), CancellationToken.None);
        await WaitDeliveredAsync(host, 10);

        Assert.Empty(kinesis.Malformed);
        Assert.Equal(10, kinesis.RequestSizes.Sum());
        Assert.Equal(1, kinesis.Requests); // one claim of 10 is one request
        Assert.All(kinesis.Stored, r => Assert.Equal("falco-xczjd", r.Key));
        Assert.Equal(notifications.Take(9).Select(n => n.Alert.ToJson()).Order(), kinesis.Stored.Select(r => r.Data).Where(d => !d.Contains(SummaryFields.Count)).Order());
        Assert.Contains(kinesis.Stored, r => r.Data.Contains("\"falcohook.count\":42"));
    }

    [Fact]
    public async Task More_than_500_records_are_split_and_a_field_can_be_the_partition_key()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var kinesis = new KinesisFake("falco-alerts", AccessKey, SecretKey);
        receiver.Responder = kinesis.Answer;
        await using var host = await StartAsync(receiver, new() { ["BatchSize"] = "1200", ["BatchLinger"] = "00:00:00.500", ["PartitionKey"] = "k8s.ns.name" });

        await host.Outbox.EnqueueAsync(Enumerable.Range(1, 1200).Select(n => new RoutedNotification(TestAlerts.Notification(n), ["stream"])).ToList(), CancellationToken.None);
        await WaitDeliveredAsync(host, 1200);

        Assert.Empty(kinesis.Malformed);
        Assert.All(kinesis.RequestSizes, size => Assert.InRange(size, 1, 500));
        Assert.Equal(1200, kinesis.Stored.Count);
        Assert.All(kinesis.Stored, r => Assert.Equal("default", r.Key));
    }

    [Fact]
    public async Task Records_the_stream_refused_are_retried_alone_and_a_non_retryable_error_code_is_dead()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var kinesis = new KinesisFake("falco-alerts", AccessKey, SecretKey)
        {
            Refuse = (data, offered) => data.Contains("n=5)") ? "ValidationException"
                : (data.Contains("n=2)") || data.Contains("n=3)")) && offered == 1 ? "ProvisionedThroughputExceededException"
                : data.Contains("n=4)") && offered == 1 ? "InternalFailure" : null,
        };
        receiver.Responder = kinesis.Answer;
        await using var host = await StartAsync(receiver, new() { ["BatchLinger"] = "00:00:00.300" });
        var notifications = Enumerable.Range(1, 6).Select(n => TestAlerts.Notification(n)).ToList();

        await host.Outbox.EnqueueAsync(notifications.Select(n => new RoutedNotification(n, ["stream"])).ToList(), CancellationToken.None);
        await WaitDeliveredAsync(host, 5);
        var dead = await Eventually.MatchesAsync(() => host.Store.ListAsync(new DeliveryQuery(State: DeliveryState.Dead), CancellationToken.None),
            page => page.Items.Count == 1, "n=5 dead");

        Assert.Empty(kinesis.Malformed);
        Assert.Equal(5, kinesis.Stored.Count);
        foreach (var n in notifications)
        {
            var retried = n.Alert.Output.Contains("n=2)") || n.Alert.Output.Contains("n=3)") || n.Alert.Output.Contains("n=4)");
            Assert.Equal(retried ? 2 : 1, kinesis.OfferedCount(n.Alert.ToJson()));
        }
        Assert.Contains("ValidationException", dead.Items[0].LastError);
    }

    [Fact]
    public async Task Throttling_and_5xx_are_retried_and_a_missing_stream_is_dead()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var kinesis = new KinesisFake("falco-alerts", AccessKey, SecretKey)
        {
            FailRequest = n => n switch
            {
                1 => KinesisFake.Error(400, "ProvisionedThroughputExceededException"),
                2 => KinesisFake.Error(400, "KMSThrottlingException"),
                3 => KinesisFake.Error(500, "InternalFailure"),
                _ => null,
            },
        };
        receiver.Responder = kinesis.Answer;
        await using var host = await StartAsync(receiver);
        var delivered = (await host.EnqueueAsync(TestAlerts.Notification(1), "stream")).Single();
        await host.WaitForStateAsync(delivered, DeliveryState.Delivered);
        Assert.Equal(4, kinesis.Requests);

        kinesis.FailRequest = _ => KinesisFake.Error(400, "ResourceNotFoundException", "Stream falco-alerts under account 123456789012 not found.");
        var refused = (await host.EnqueueAsync(TestAlerts.Notification(2), "stream")).Single();
        var record = await host.WaitForStateAsync(refused, DeliveryState.Dead);
        Assert.Equal(1, record.Attempts);
        Assert.Contains("ResourceNotFoundException", record.LastError);
    }

    [Fact]
    public async Task Settings_are_checked_at_start_and_each_error_names_its_key()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:k:Type"] = "kinesis",
            ["FalcoHook:Destinations:k:ServiceUrl"] = "kinesis.local",
            ["FalcoHook:Destinations:k:SessionToken"] = "token",
        }));
        Assert.Contains("FalcoHook:Destinations:k:Region is required for type kinesis", failure.Message);
        Assert.Contains("FalcoHook:Destinations:k:Stream (or StreamArn) is required for type kinesis", failure.Message);
        Assert.Contains("FalcoHook:Destinations:k:ServiceUrl must be an absolute http or https URL", failure.Message);
        Assert.Contains("FalcoHook:Destinations:k:SessionToken needs AccessKeyId and SecretAccessKey", failure.Message);
    }

    private static Task<DeliveryTestHost> StartAsync(FakeReceiver receiver, Dictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:stream:Type"] = "kinesis",
            ["FalcoHook:Destinations:stream:Region"] = "us-east-1",
            ["FalcoHook:Destinations:stream:Stream"] = "falco-alerts",
            ["FalcoHook:Destinations:stream:ServiceUrl"] = receiver.Url("/"),
            ["FalcoHook:Destinations:stream:AccessKeyId"] = AccessKey,
            ["FalcoHook:Destinations:stream:SecretAccessKey"] = SecretKey,
        };
        foreach (var (key, value) in extra ?? []) settings["FalcoHook:Destinations:stream:" + key] = value;
        return DeliveryTestHost.StartAsync(settings);
    }

    private static Task WaitDeliveredAsync(DeliveryTestHost host, int count) =>
        Eventually.TrueAsync(async () => (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered) == count,
            $"{count} delivered");
}
