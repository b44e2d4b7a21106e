using FalcoHook.Core.Delivery;
using FalcoHook.Tests.Support;
using NATS.Client.Core;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: nats</c> with <c>Tls</c> and credentials into real nats-servers (one with TLS requiring the test CA's client
/// certificate and a user with a password, one with a token): alerts arrive with the right CA, certificate and
/// credentials; a server certificate from another CA, or a wrong password or token, keeps the delivery pending with
/// the reason as its last error, logged once per outage, the secret never in a log.
/// </summary>
public sealed class NatsTlsTests(NatsTlsTests.Servers servers) : IClassFixture<NatsTlsTests.Servers>
{
    private const string Token = "nats-t0ken-for-the-tests";

    public sealed class Servers : IAsyncLifetime
    {
        public NatsServer Secured { get; } = new(BrokerSecurity.MutualTlsWithPassword);

        public NatsServer WithToken { get; } = new(new BrokerSecurity(Token: Token));

        public Task InitializeAsync() => Task.WhenAll(Secured.InitializeAsync(), WithToken.InitializeAsync());

        public async Task DisposeAsync()
        {
            await Secured.DisposeAsync();
            await WithToken.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task With_the_ca_the_client_certificate_and_the_password_alerts_arrive_over_tls()
    {
        NatsServer.Require();
        await using var reader = servers.Secured.Connect();
        await using var subscription = await reader.SubscribeCoreAsync<byte[]>("secure.alerts");
        await reader.PingAsync();
        await using var host = await DeliveryTestHost.StartAsync(Secured());

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "nats")).Single();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var message = await subscription.Msgs.ReadAsync(deadline.Token);

        Assert.Equal(id, message.Headers!["Nats-Msg-Id"].ToString());
        Assert.StartsWith("tls://", servers.Secured.Url, StringComparison.Ordinal);
        await host.WaitForStateAsync(id, DeliveryState.Delivered);
    }

    [SkippableFact]
    public async Task A_server_certificate_from_another_ca_keeps_the_delivery_pending_logged_once()
    {
        NatsServer.Require();
        var settings = Secured();
        settings["FalcoHook:Destinations:nats:Tls:CaCertificates"] = servers.Secured.Certificates!.OtherCaFile;
        await using var host = await DeliveryTestHost.StartAsync(settings);

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "nats")).Single();
        var record = await host.WaitForAsync(id, r => r.Attempts >= 3 && r.State != DeliveryState.Sending);

        Assert.Equal(DeliveryState.Pending, record.State);
        Assert.Contains("certificate", record.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Single(host.Logs.Records, r => r.EventId.Id == 1260);
    }

    [SkippableFact]
    public async Task A_wrong_password_keeps_the_delivery_pending_with_the_servers_error()
    {
        NatsServer.Require();
        var settings = Secured();
        settings["FalcoHook:Destinations:nats:Password"] = "not-the-password";
        await using var host = await DeliveryTestHost.StartAsync(settings);

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "nats")).Single();
        var record = await host.WaitForAsync(id, r => r.Attempts >= 2 && r.State != DeliveryState.Sending);

        Assert.Equal(DeliveryState.Pending, record.State);
        Assert.Contains("Authorization Violation", record.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("not-the-password", host.Logs.AllText, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task The_right_token_is_let_in_and_a_wrong_one_is_refused()
    {
        NatsServer.Require();
        await using (var host = await DeliveryTestHost.StartAsync(WithToken(Token)))
        {
            var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "nats")).Single();
            await host.WaitForStateAsync(id, DeliveryState.Delivered);
        }
        await using (var host = await DeliveryTestHost.StartAsync(WithToken("a-wrong-t0ken")))
        {
            var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "nats")).Single();
            var record = await host.WaitForAsync(id, r => r.Attempts >= 2 && r.State != DeliveryState.Sending);

            Assert.Equal(DeliveryState.Pending, record.State);
            Assert.Contains("Authorization Violation", record.LastError, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("a-wrong-t0ken", host.Logs.AllText, StringComparison.Ordinal);
        }
    }

    private Dictionary<string, string?> Secured()
    {
        var tls = servers.Secured.Certificates!;
        return new()
        {
            ["FalcoHook:Destinations:nats:Type"] = "nats",
            ["FalcoHook:Destinations:nats:Url"] = servers.Secured.Url,
            ["FalcoHook:Destinations:nats:Subject"] = "secure.alerts",
            ["FalcoHook:Destinations:nats:User"] = BrokerSecurity.MutualTlsWithPassword.User,
            ["FalcoHook:Destinations:nats:Password"] = BrokerSecurity.MutualTlsWithPassword.Password,
            ["FalcoHook:Destinations:nats:Tls:CaCertificates"] = tls.CaFile,
            ["FalcoHook:Destinations:nats:Tls:ClientCertificate"] = tls.ClientCertificate,
            ["FalcoHook:Destinations:nats:Tls:ClientKey"] = tls.ClientKey,
            ["FalcoHook:Destinations:nats:Timeout"] = "00:00:05",
        };
    }

    private Dictionary<string, string?> WithToken(string token) => new()
    {
        ["FalcoHook:Destinations:nats:Type"] = "nats",
        ["FalcoHook:Destinations:nats:Url"] = servers.WithToken.Url,
        ["FalcoHook:Destinations:nats:Subject"] = "token.alerts",
        ["FalcoHook:Destinations:nats:Token"] = token,
    };
}
