using System.Collections.Concurrent;
using FalcoHook.Core.Delivery;
using FalcoHook.Tests.Support;
using MQTTnet;
using MQTTnet.Protocol;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: mqtt</c> with <c>mqtts://</c>, <c>Tls</c> and a username into a real Mosquitto whose listener has TLS,
/// requires the test CA's client certificate (<c>require_certificate</c>) and checks a <c>password_file</c> (anonymous
/// clients refused): alerts reach a subscriber with the right CA, certificate and password; a broker certificate from
/// another CA, or a wrong password, keeps the delivery pending with the reason (the broker's refusal) as its last error,
/// logged once per outage.
/// </summary>
public sealed class MqttTlsTests(MqttTlsTests.Server server) : IClassFixture<MqttTlsTests.Server>
{
    public sealed class Server : IAsyncLifetime
    {
        public MosquittoServer Mosquitto { get; } = new(BrokerSecurity.MutualTlsWithPassword);

        public Task InitializeAsync() => Mosquitto.InitializeAsync();

        public Task DisposeAsync() => Mosquitto.DisposeAsync();
    }

    private MosquittoServer Mosquitto => server.Mosquitto;

    [SkippableTheory]
    [InlineData("3.1.1")]
    [InlineData("5")]
    public async Task With_the_ca_the_client_certificate_and_the_password_alerts_reach_a_subscriber(string version)
    {
        MosquittoServer.Require();
        var topic = "secure/" + Guid.NewGuid().ToString("N")[..8];
        var received = new ConcurrentQueue<MqttApplicationMessage>();
        using var subscriber = new MqttClientFactory().CreateMqttClient();
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.Enqueue(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        await subscriber.ConnectAsync(Mosquitto.ClientOptions().WithClientId("reader-" + Guid.NewGuid().ToString("N")[..8]).Build());
        await subscriber.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(topic, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        var settings = Settings(topic);
        settings["FalcoHook:Destinations:mqtt:ProtocolVersion"] = version;
        await using var host = await DeliveryTestHost.StartAsync(settings);

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "mqtt")).Single();
        await host.WaitForStateAsync(id, DeliveryState.Delivered);
        await Eventually.TrueAsync(() => !received.IsEmpty, "the alert at the subscriber");

        Assert.Equal(TestAlerts.Notification(1).Alert.ToJson(), received.Single().ConvertPayloadToString());
        Assert.StartsWith("mqtts://", Mosquitto.Url, StringComparison.Ordinal);
        await subscriber.DisconnectAsync();
    }

    [SkippableFact]
    public async Task A_broker_certificate_from_another_ca_keeps_the_delivery_pending_logged_once()
    {
        MosquittoServer.Require();
        var settings = Settings("secure/other-ca");
        settings["FalcoHook:Destinations:mqtt:Tls:CaCertificates"] = Mosquitto.Certificates!.OtherCaFile;
        await using var host = await DeliveryTestHost.StartAsync(settings);

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "mqtt")).Single();
        var record = await host.WaitForAsync(id, r => r.Attempts >= 3 && r.State != DeliveryState.Sending);

        Assert.Equal(DeliveryState.Pending, record.State);
        Assert.Contains("certificate", record.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Single(host.Logs.Records, r => r.EventId.Id == 1260);
    }

    [SkippableFact]
    public async Task A_wrong_password_keeps_the_delivery_pending_with_the_brokers_refusal()
    {
        MosquittoServer.Require();
        var settings = Settings("secure/wrong-password");
        settings["FalcoHook:Destinations:mqtt:Password"] = "not-the-password";
        await using var host = await DeliveryTestHost.StartAsync(settings);

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "mqtt")).Single();
        var record = await host.WaitForAsync(id, r => r.Attempts >= 2 && r.State != DeliveryState.Sending);

        Assert.Equal(DeliveryState.Pending, record.State);
        Assert.Matches("NotAuthorized|BadUserNameOrPassword", record.LastError);
        Assert.DoesNotContain("not-the-password", host.Logs.AllText, StringComparison.Ordinal);
    }

    private Dictionary<string, string?> Settings(string topic)
    {
        var tls = Mosquitto.Certificates!;
        return new()
        {
            ["FalcoHook:Destinations:mqtt:Type"] = "mqtt",
            ["FalcoHook:Destinations:mqtt:Url"] = Mosquitto.Url,
            ["FalcoHook:Destinations:mqtt:Topic"] = topic,
            ["FalcoHook:Destinations:mqtt:ClientId"] = "falcohook-" + Guid.NewGuid().ToString("N")[..8],
            ["FalcoHook:Destinations:mqtt:Username"] = BrokerSecurity.MutualTlsWithPassword.User,
            ["FalcoHook:Destinations:mqtt:Password"] = BrokerSecurity.MutualTlsWithPassword.Password,
            ["FalcoHook:Destinations:mqtt:Tls:CaCertificates"] = tls.CaFile,
            ["FalcoHook:Destinations:mqtt:Tls:ClientCertificate"] = tls.ClientCertificate,
            ["FalcoHook:Destinations:mqtt:Tls:ClientKey"] = tls.ClientKey,
            ["FalcoHook:Destinations:mqtt:Timeout"] = "00:00:05",
            ["FalcoHook:Destinations:mqtt:BatchLinger"] = "00:00:00.050",
        };
    }
}
