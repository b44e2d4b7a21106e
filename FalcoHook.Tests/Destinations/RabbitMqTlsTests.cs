using System.Text;
using FalcoHook.Core.Delivery;
using FalcoHook.Tests.Support;
using RabbitMQ.Client;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: rabbitmq</c> with <c>amqps://</c>, <c>Tls</c> and a user on a virtual host into one real RabbitMQ node
/// (shared by the class: it is slow to start) whose only AMQP port for the tests is a TLS listener requiring the test
/// CA's client certificate (<c>verify_peer</c>, <c>fail_if_no_peer_cert</c>): alerts arrive in the virtual host's queue
/// with the right CA, certificate and password; a broker certificate from another CA, or a wrong password, keeps the
/// delivery pending with the reason (the broker's <c>ACCESS_REFUSED</c>) as its last error, logged once per outage.
/// </summary>
public sealed class RabbitMqTlsTests(RabbitMqTlsTests.Server server) : IClassFixture<RabbitMqTlsTests.Server>
{
    public sealed class Server : IAsyncLifetime
    {
        public RabbitMqServer Rabbit { get; } = new(BrokerSecurity.MutualTlsWithPassword);

        public Task InitializeAsync() => Rabbit.InitializeAsync();

        public Task DisposeAsync() => Rabbit.DisposeAsync();
    }

    private RabbitMqServer Rabbit => server.Rabbit;

    [SkippableFact]
    public async Task With_the_ca_the_client_certificate_and_the_password_alerts_arrive_in_the_virtual_host()
    {
        RabbitMqServer.Require();
        var queue = "secure-" + Guid.NewGuid().ToString("N")[..8];
        await using (var connection = await Rabbit.ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync())
            await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await using var host = await DeliveryTestHost.StartAsync(Settings(queue));

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "rabbit")).Single();
        await host.WaitForStateAsync(id, DeliveryState.Delivered, seconds: 30);

        await using var reader = await Rabbit.ConnectAsync();
        await using var readerChannel = await reader.CreateChannelAsync();
        var message = await readerChannel.BasicGetAsync(queue, autoAck: true);
        Assert.NotNull(message);
        Assert.Equal(id, message.BasicProperties.MessageId);
        Assert.Equal(TestAlerts.Notification(1).Alert.ToJson(), Encoding.UTF8.GetString(message.Body.Span));
    }

    [SkippableFact]
    public async Task A_broker_certificate_from_another_ca_keeps_the_delivery_pending_logged_once()
    {
        RabbitMqServer.Require();
        var settings = Settings("anything");
        settings["FalcoHook:Destinations:rabbit:Tls:CaCertificates"] = Rabbit.Certificates!.OtherCaFile;
        await using var host = await DeliveryTestHost.StartAsync(settings);

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "rabbit")).Single();
        var record = await host.WaitForAsync(id, r => r.Attempts >= 3 && r.State != DeliveryState.Sending, seconds: 30);

        Assert.Equal(DeliveryState.Pending, record.State);
        Assert.Contains("certificate", record.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Single(host.Logs.Records, r => r.EventId.Id == 1260);
    }

    [SkippableFact]
    public async Task A_wrong_password_keeps_the_delivery_pending_with_the_brokers_error()
    {
        RabbitMqServer.Require();
        var settings = Settings("anything");
        settings["FalcoHook:Destinations:rabbit:Url"] = Rabbit.Url.Replace(Uri.EscapeDataString(BrokerSecurity.MutualTlsWithPassword.Password!), "not-the-password", StringComparison.Ordinal);
        await using var host = await DeliveryTestHost.StartAsync(settings);

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "rabbit")).Single();
        var record = await host.WaitForAsync(id, r => r.Attempts >= 2 && r.State != DeliveryState.Sending, seconds: 30);

        Assert.Equal(DeliveryState.Pending, record.State);
        Assert.Contains("ACCESS_REFUSED", record.LastError, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", host.Logs.AllText, StringComparison.Ordinal);
    }

    private Dictionary<string, string?> Settings(string queue)
    {
        var tls = Rabbit.Certificates!;
        return new()
        {
            ["FalcoHook:Destinations:rabbit:Type"] = "rabbitmq",
            ["FalcoHook:Destinations:rabbit:Url"] = Rabbit.Url,
            ["FalcoHook:Destinations:rabbit:RoutingKey"] = queue,
            ["FalcoHook:Destinations:rabbit:Tls:CaCertificates"] = tls.CaFile,
            ["FalcoHook:Destinations:rabbit:Tls:ClientCertificate"] = tls.ClientCertificate,
            ["FalcoHook:Destinations:rabbit:Tls:ClientKey"] = tls.ClientKey,
            ["FalcoHook:Destinations:rabbit:Timeout"] = "00:00:05",
            ["FalcoHook:Destinations:rabbit:BatchLinger"] = "00:00:00.050",
        };
    }
}
