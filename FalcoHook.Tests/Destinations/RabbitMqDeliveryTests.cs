using System.Text;
using System.Text.Json;
using FalcoHook.Api.Destinations;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: rabbitmq</c> into a real rabbitmq-server started by the fixture (Debian's package): alerts arrive complete
/// in a queue bound to the exchange, as persistent JSON messages whose <c>message-id</c> is the delivery id; an
/// unroutable message or a missing exchange is retried, never counted; and with the broker stopped for a while under
/// load and started again, every delivery the outbox counts as delivered is in the queue.
/// </summary>
public sealed class RabbitMqDeliveryTests(RabbitMqServer rabbit) : IClassFixture<RabbitMqServer>
{
    private const string RoutingKey = "falco.alerts";

    [SkippableFact]
    public async Task Alerts_arrive_complete_as_persistent_json_messages_with_the_delivery_id()
    {
        RabbitMqServer.Require();
        var (exchange, queue) = await DeclareAsync();
        await using var host = await DeliveryTestHost.StartAsync(Settings(exchange, RoutingKey));
        var notifications = new[] { TestAlerts.Notification(1), TestAlerts.Notification(2, Priority.Warning), TestAlerts.StormSummary() };

        var ids = new List<string>();
        foreach (var notification in notifications) ids.AddRange(await host.EnqueueAsync(notification, "rabbit"));
        foreach (var id in ids) await host.WaitForStateAsync(id, DeliveryState.Delivered, seconds: 30);
        var read = await ReadAsync(queue, 3);
        var messages = ids.Select(id => read.Single(m => m.BasicProperties.MessageId == id)).ToList();

        Assert.All(messages, m =>
        {
            Assert.Equal("application/json", m.BasicProperties.ContentType);
            Assert.True(m.BasicProperties.Persistent);
            Assert.Equal(exchange, m.Exchange);
            Assert.Equal(RoutingKey, m.RoutingKey);
        });
        Assert.Equal(notifications[0].Alert.ToJson(), Body(messages[0]));
        Assert.Equal(notifications[1].Alert.ToJson(), Body(messages[1]));
        using var summary = JsonDocument.Parse(Body(messages[2]));
        Assert.Equal(42, summary.RootElement.GetProperty("output_fields").GetProperty(SummaryFields.Count).GetInt64());
        Assert.Equal(notifications[2].Alert.Output, summary.RootElement.GetProperty("output").GetString());
    }

    [SkippableFact]
    public async Task An_unroutable_message_or_a_missing_exchange_is_retried_not_counted()
    {
        RabbitMqServer.Require();
        var (exchange, _) = await DeclareAsync();
        var settings = Settings(exchange, "nobody.listens", "unbound");
        foreach (var (key, value) in Settings("no-such-exchange", RoutingKey, "missing")) settings[key] = value;
        await using var host = await DeliveryTestHost.StartAsync(settings);

        var unbound = (await host.EnqueueAsync(TestAlerts.Notification(1), "unbound")).Single();
        var missing = (await host.EnqueueAsync(TestAlerts.Notification(2), "missing")).Single();

        var returned = await host.WaitForAsync(unbound, r => r.Attempts >= 2 && r.State == DeliveryState.Pending, seconds: 30);
        Assert.Contains("unroutable: the broker returned the message (312 NO_ROUTE)", returned.LastError, StringComparison.Ordinal);
        var refused = await host.WaitForAsync(missing, r => r.Attempts >= 2 && r.State == DeliveryState.Pending, seconds: 30);
        Assert.Contains("404 NOT_FOUND", refused.LastError, StringComparison.Ordinal);
        Assert.Equal(0, await DeliveredAsync(host));
    }

    [SkippableFact]
    public async Task With_the_broker_stopped_a_while_under_load_every_delivered_alert_arrives()
    {
        RabbitMqServer.Require();
        var (exchange, queue) = await DeclareAsync();
        await using var host = await DeliveryTestHost.StartAsync(new(Settings(exchange, RoutingKey)) { ["FalcoHook:Destinations:rabbit:BatchSize"] = "25" });
        const int total = 600;

        var producer = Task.Run(async () =>
        {
            for (var start = 0; start < total; start += 20)
            {
                await host.Outbox.EnqueueAsync(Enumerable.Range(start, 20).Select(n => new RoutedNotification(TestAlerts.Notification(n), ["rabbit"])).ToList(), CancellationToken.None);
                await Task.Delay(40); // pacing of the load, not a wait for an effect
            }
        });
        await Eventually.TrueAsync(async () => await DeliveredAsync(host) >= 100, "100 delivered before the stop", TimeSpan.FromSeconds(60));
        await rabbit.StopAsync();
        await Eventually.TrueAsync(async () => (await host.Store.ListAsync(new DeliveryQuery(DeliveryState.Pending, Limit: 1000), CancellationToken.None)).Items
            .Any(d => d.LastError?.Contains("rabbitmq connection failed", StringComparison.Ordinal) == true), "a send failed while the broker is down");
        await rabbit.StartAsync();
        await producer;

        await Eventually.TrueAsync(async () => await DeliveredAsync(host) == total, $"{total} delivered", TimeSpan.FromSeconds(120));
        var delivered = (await host.Store.ListAsync(new DeliveryQuery(DeliveryState.Delivered, Limit: 10_000), CancellationToken.None)).Items.Select(d => d.Id).ToHashSet();
        var messages = await ReadAsync(queue, total, exact: false);
        // At least once: a confirm lost with the connection sends its message again, with the same message-id.
        Assert.Equal(delivered.Order(), messages.Select(m => m.BasicProperties.MessageId!).Distinct().Order());
        Assert.Equal(Enumerable.Range(0, total).Select(n => TestAlerts.Shell(n).Output).Order(),
            messages.Select(m => JsonDocument.Parse(Body(m)).RootElement.GetProperty("output").GetString()!).Distinct().Order());
    }

    [Fact]
    public void Settings_are_checked_naming_the_key()
    {
        var failures = DestinationSettings.Failures(new()
        {
            ["FalcoHook:Destinations:a:Type"] = "rabbitmq",
            ["FalcoHook:Destinations:b:Type"] = "rabbitmq",
            ["FalcoHook:Destinations:b:Url"] = "http://broker:5672/",
            ["FalcoHook:Destinations:b:RoutingKey"] = new string('k', 256),
            ["FalcoHook:Destinations:b:Tls:CaCertificates"] = "/nonexistent/ca.pem",
        });

        Assert.Equal([
            "FalcoHook:Destinations:a:Url is required for type rabbitmq",
            "FalcoHook:Destinations:a:RoutingKey is required for type rabbitmq",
            "FalcoHook:Destinations:b:Url must be an absolute amqp:// or amqps:// URL",
            "FalcoHook:Destinations:b:RoutingKey must be at most 255 bytes",
            "FalcoHook:Destinations:b:Tls:CaCertificates: cannot read '/nonexistent/ca.pem' (DirectoryNotFoundException)",
            "FalcoHook:Destinations:b:Tls needs an amqps:// Url (TLS is on only with amqps://)",
        ], failures);
    }

    [Fact]
    public void The_password_in_the_url_is_a_secret()
    {
        var secrets = new Core.Destinations.RabbitMq.RabbitMqDestination().Secrets(new Core.Destinations.RabbitMq.RabbitMqSettings { Url = "amqps://falco:s3cr%40t-pw@mq.example/prod" });

        Assert.Contains("s3cr@t-pw", secrets);
        Assert.Contains("falco:s3cr%40t-pw", secrets);
    }

    private static async Task<long> DeliveredAsync(DeliveryTestHost host) =>
        (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered);

    /// <summary>A durable topic exchange and a durable queue bound to it with <see cref="RoutingKey"/>, both new.</summary>
    private async Task<(string Exchange, string Queue)> DeclareAsync()
    {
        var (exchange, queue) = ("falco-" + Guid.NewGuid().ToString("N")[..8], "alerts-" + Guid.NewGuid().ToString("N")[..8]);
        await using var connection = await rabbit.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Topic, durable: true);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(queue, exchange, RoutingKey);
        return (exchange, queue);
    }

    /// <summary>Takes messages off the queue until <paramref name="count"/> were read (and, when <paramref name="exact"/>, no more are there).</summary>
    private async Task<List<BasicGetResult>> ReadAsync(string queue, int count, bool exact = true)
    {
        await using var connection = await rabbit.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var messages = new List<BasicGetResult>();
        await Eventually.TrueAsync(async () =>
        {
            while (await channel.BasicGetAsync(queue, autoAck: true) is { } message) messages.Add(message);
            return messages.Count >= count;
        }, $"{count} messages in queue {queue}", TimeSpan.FromSeconds(30), () => $"{messages.Count} read");
        if (exact) Assert.Equal(count, messages.Count);
        return messages;
    }

    private static string Body(BasicGetResult message) => Encoding.UTF8.GetString(message.Body.Span);

    private Dictionary<string, string?> Settings(string exchange, string routingKey, string name = "rabbit") => new()
    {
        [$"FalcoHook:Destinations:{name}:Type"] = "rabbitmq",
        [$"FalcoHook:Destinations:{name}:Url"] = rabbit.Url,
        [$"FalcoHook:Destinations:{name}:Exchange"] = exchange,
        [$"FalcoHook:Destinations:{name}:RoutingKey"] = routingKey,
        [$"FalcoHook:Destinations:{name}:BatchLinger"] = "00:00:00.050",
    };
}
