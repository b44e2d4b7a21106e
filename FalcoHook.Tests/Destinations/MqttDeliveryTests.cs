using System.Collections.Concurrent;
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
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: mqtt</c> into a real Mosquitto started by the fixture (Debian's package), read by a second client subscribed
/// at QoS 1 with a persistent session: alerts arrive complete over MQTT 3.1.1 and 5; and with the broker stopped for a
/// while under load and started again, every delivery the outbox counts as delivered reaches the subscriber.
/// </summary>
public sealed class MqttDeliveryTests(MosquittoServer mosquitto) : IClassFixture<MosquittoServer>
{
    [SkippableTheory]
    [InlineData("3.1.1")]
    [InlineData("5")]
    public async Task Alerts_arrive_complete_at_qos_1_not_retained(string version)
    {
        MosquittoServer.Require();
        var topic = "falco/" + Guid.NewGuid().ToString("N")[..8];
        await using var subscriber = await Subscriber.ConnectAsync(mosquitto, topic, version);
        await using var host = await DeliveryTestHost.StartAsync(Settings(topic, version));
        var notifications = new[] { TestAlerts.Notification(1), TestAlerts.Notification(2, Priority.Warning), TestAlerts.StormSummary() };

        var ids = new List<string>();
        foreach (var notification in notifications) ids.AddRange(await host.EnqueueAsync(notification, "mqtt"));
        foreach (var id in ids) await host.WaitForStateAsync(id, DeliveryState.Delivered, seconds: 30);
        await Eventually.TrueAsync(() => subscriber.Received.Count >= 3, "three messages at the subscriber");

        var messages = subscriber.Received.ToList();
        Assert.Equal(3, messages.Count);
        Assert.All(messages, m =>
        {
            Assert.Equal(topic, m.Topic);
            Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, m.QualityOfServiceLevel);
            Assert.False(m.Retain);
        });
        var bodies = messages.Select(m => m.ConvertPayloadToString()).ToList();
        Assert.Contains(notifications[0].Alert.ToJson(), bodies);
        Assert.Contains(notifications[1].Alert.ToJson(), bodies);
        using var summary = JsonDocument.Parse(bodies.Single(b => b.Contains(SummaryFields.Count, StringComparison.Ordinal)));
        Assert.Equal(42, summary.RootElement.GetProperty("output_fields").GetProperty(SummaryFields.Count).GetInt64());
        if (version == "5")
        {
            Assert.All(messages, m => Assert.Equal("application/json", m.ContentType));
            Assert.Equal(ids.Order(), messages.Select(DeliveryId).Order());
        }
    }

    [SkippableFact]
    public async Task With_the_broker_stopped_a_while_under_load_every_delivered_alert_arrives()
    {
        MosquittoServer.Require();
        var topic = "falco/" + Guid.NewGuid().ToString("N")[..8];
        await using var subscriber = await Subscriber.ConnectAsync(mosquitto, topic, "5");
        await using var host = await DeliveryTestHost.StartAsync(new(Settings(topic, "5")) { ["FalcoHook:Destinations:mqtt:BatchSize"] = "25" });
        const int total = 600;

        var producer = Task.Run(async () =>
        {
            for (var start = 0; start < total; start += 20)
            {
                await host.Outbox.EnqueueAsync(Enumerable.Range(start, 20).Select(n => new RoutedNotification(TestAlerts.Notification(n), ["mqtt"])).ToList(), CancellationToken.None);
                await Task.Delay(40); // pacing of the load, not a wait for an effect
            }
        });
        await Eventually.TrueAsync(() => subscriber.Received.Count >= 100, "100 messages at the subscriber before the stop");
        await mosquitto.StopAsync();
        await Eventually.TrueAsync(async () => (await host.Store.ListAsync(new DeliveryQuery(DeliveryState.Pending, Limit: 1000), CancellationToken.None)).Items
            .Any(d => d.LastError?.Contains("mqtt connection failed", StringComparison.Ordinal) == true), "a send failed while the broker is down");
        await mosquitto.StartAsync();
        // The subscriber's persistent session kept what the broker took for it while it was away.
        await subscriber.ReconnectAsync();
        await producer;

        await Eventually.TrueAsync(async () => (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered) == total,
            $"{total} delivered", TimeSpan.FromSeconds(90));
        var delivered = (await host.Store.ListAsync(new DeliveryQuery(DeliveryState.Delivered, Limit: 10_000), CancellationToken.None)).Items.Select(d => d.Id).ToHashSet();
        await Eventually.TrueAsync(() => subscriber.Received.Select(DeliveryId).ToHashSet().SetEquals(delivered), $"{total} distinct deliveries at the subscriber",
            TimeSpan.FromSeconds(30), () => $"{subscriber.Received.Select(DeliveryId).Distinct().Count()} distinct of {subscriber.Received.Count} messages");
        // At least once: a PUBACK lost with the connection sends its message again.
        Assert.Equal(Enumerable.Range(0, total).Select(n => TestAlerts.Shell(n).Output).Order(),
            subscriber.Received.Select(m => JsonDocument.Parse(m.ConvertPayloadToString()).RootElement.GetProperty("output").GetString()!).Distinct().Order());
    }

    [Fact]
    public void Settings_are_checked_naming_the_key()
    {
        var failures = DestinationSettings.Failures(new()
        {
            ["FalcoHook:Destinations:a:Type"] = "mqtt",
            ["FalcoHook:Destinations:b:Type"] = "mqtt",
            ["FalcoHook:Destinations:b:Url"] = "tcp://broker:1883",
            ["FalcoHook:Destinations:b:Topic"] = "falco/#",
            ["FalcoHook:Destinations:b:ProtocolVersion"] = "3.1",
            ["FalcoHook:Destinations:b:Password"] = "hunter22",
        });

        Assert.Equal([
            "FalcoHook:Destinations:a:Url is required for type mqtt",
            "FalcoHook:Destinations:a:Topic is required for type mqtt",
            "FalcoHook:Destinations:b:Url must be mqtt://host:port or mqtts://host:port",
            "FalcoHook:Destinations:b:Topic must not contain the wildcards + or # (got 'falco/#')",
            "FalcoHook:Destinations:b:ProtocolVersion must be 3.1.1 or 5 (got '3.1')",
            "FalcoHook:Destinations:b:Password needs a Username",
        ], failures);
    }

    private static string DeliveryId(MqttApplicationMessage message) =>
        message.UserProperties?.SingleOrDefault(p => p.Name == "falcohook-delivery-id")?.ReadValueAsString() ?? "";

    private Dictionary<string, string?> Settings(string topic, string version) => new()
    {
        ["FalcoHook:Destinations:mqtt:Type"] = "mqtt",
        ["FalcoHook:Destinations:mqtt:Url"] = mosquitto.Url,
        ["FalcoHook:Destinations:mqtt:Topic"] = topic,
        ["FalcoHook:Destinations:mqtt:ProtocolVersion"] = version,
        ["FalcoHook:Destinations:mqtt:ClientId"] = "falcohook-" + Guid.NewGuid().ToString("N")[..8],
        ["FalcoHook:Destinations:mqtt:BatchLinger"] = "00:00:00.050",
    };

    /// <summary>A second client subscribed to the topic at QoS 1 with a persistent session (clean session off, its own client id).</summary>
    private sealed class Subscriber : IAsyncDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        private MqttClientOptions _options = null!;

        public ConcurrentQueue<MqttApplicationMessage> Received { get; } = new();

        public static async Task<Subscriber> ConnectAsync(MosquittoServer broker, string topic, string version)
        {
            var subscriber = new Subscriber();
            subscriber._options = new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", broker.Port)
                .WithProtocolVersion(version == "5" ? MqttProtocolVersion.V500 : MqttProtocolVersion.V311)
                .WithClientId("reader-" + Guid.NewGuid().ToString("N")[..8])
                .WithCleanSession(false)
                .WithSessionExpiryInterval(version == "5" ? 3600u : 0u)
                .Build();
            subscriber._client.ApplicationMessageReceivedAsync += e =>
            {
                subscriber.Received.Enqueue(e.ApplicationMessage);
                return Task.CompletedTask;
            };
            await subscriber._client.ConnectAsync(subscriber._options);
            await subscriber._client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce).Build());
            return subscriber;
        }

        /// <summary>Connects again to the same session (after the broker was restarted).</summary>
        public async Task ReconnectAsync()
        {
            await Eventually.TrueAsync(() => !_client.IsConnected, "the subscriber noticed the broker went away");
            var result = await _client.ConnectAsync(_options);
            Assert.True(result.IsSessionPresent, "the broker kept the subscriber's session");
        }

        public async ValueTask DisposeAsync()
        {
            if (_client.IsConnected) await _client.DisconnectAsync();
            _client.Dispose();
        }
    }
}
