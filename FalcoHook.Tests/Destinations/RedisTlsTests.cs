using FalcoHook.Core.Delivery;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: redis</c> with <c>rediss://</c>, <c>Tls</c> and an ACL user into a real redis-server that listens with TLS
/// only, requires the test CA's client certificate (<c>tls-auth-clients</c>) and has its <c>default</c> user off: alerts
/// arrive with the right CA, certificate and password; a server certificate from another CA, or a wrong password,
/// keeps the delivery pending with the reason (the server's refusal) as its last error, logged once per outage.
/// </summary>
public sealed class RedisTlsTests(RedisTlsTests.Server server) : IClassFixture<RedisTlsTests.Server>
{
    public sealed class Server : IAsyncLifetime
    {
        public RedisServer Redis { get; } = new(BrokerSecurity.MutualTlsWithPassword);

        public Task InitializeAsync() => Redis.InitializeAsync();

        public Task DisposeAsync() => Redis.DisposeAsync();
    }

    private RedisServer Redis => server.Redis;

    [SkippableFact]
    public async Task With_the_ca_the_client_certificate_and_the_acl_password_alerts_arrive_over_tls()
    {
        RedisServer.Require();
        await using var host = await DeliveryTestHost.StartAsync(Settings());

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "redis")).Single();
        await host.WaitForStateAsync(id, DeliveryState.Delivered);

        var entries = await Redis.ReadStreamAsync("secure");
        Assert.Equal([id], entries.Select(e => (string)e["id"]!));
        Assert.StartsWith("rediss://", Redis.Url, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_server_certificate_from_another_ca_keeps_the_delivery_pending_logged_once()
    {
        RedisServer.Require();
        var settings = Settings();
        settings["FalcoHook:Destinations:redis:Tls:CaCertificates"] = Redis.Certificates!.OtherCaFile;
        await using var host = await DeliveryTestHost.StartAsync(settings);

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "redis")).Single();
        // An attempt can last the whole connect timeout (5 s) when the client keeps retrying the refused handshake, so
        // three of them need more than the default 10 s (failed once in CI: "not connected within 5 s").
        var record = await host.WaitForAsync(id, r => r.Attempts >= 3 && r.State != DeliveryState.Sending, seconds: 30);

        Assert.Equal(DeliveryState.Pending, record.State);
        Assert.NotNull(record.LastError);
        Assert.Single(host.Logs.Records, r => r.EventId.Id == 1260);
    }

    [SkippableFact]
    public async Task A_wrong_password_keeps_the_delivery_pending_with_the_servers_error()
    {
        RedisServer.Require();
        var settings = Settings();
        settings["FalcoHook:Destinations:redis:Password"] = "not-the-password";
        await using var host = await DeliveryTestHost.StartAsync(settings);

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "redis")).Single();
        // The server refuses the AUTH (WRONGPASS), then every command on that connection (NOAUTH); the client reports the
        // connection as an AuthenticationFailure. No connection is ever made, so every attempt connects afresh and names
        // the refusal (it once said only that no connection was available when the client's one report came too early).
        var record = await host.WaitForAsync(id, r => r.Attempts >= 2 && r.State != DeliveryState.Sending, seconds: 30);

        Assert.Equal(DeliveryState.Pending, record.State);
        Assert.Matches("WRONGPASS|NOAUTH|AuthenticationFailure", record.LastError);
        Assert.DoesNotContain("not-the-password", host.Logs.AllText, StringComparison.Ordinal);
    }

    private Dictionary<string, string?> Settings()
    {
        var tls = Redis.Certificates!;
        return new()
        {
            ["FalcoHook:Destinations:redis:Type"] = "redis",
            ["FalcoHook:Destinations:redis:Url"] = Redis.Url,
            ["FalcoHook:Destinations:redis:Stream"] = "secure",
            ["FalcoHook:Destinations:redis:User"] = BrokerSecurity.MutualTlsWithPassword.User,
            ["FalcoHook:Destinations:redis:Password"] = BrokerSecurity.MutualTlsWithPassword.Password,
            ["FalcoHook:Destinations:redis:Tls:CaCertificates"] = tls.CaFile,
            ["FalcoHook:Destinations:redis:Tls:ClientCertificate"] = tls.ClientCertificate,
            ["FalcoHook:Destinations:redis:Tls:ClientKey"] = tls.ClientKey,
            ["FalcoHook:Destinations:redis:Timeout"] = "00:00:05",
            ["FalcoHook:Destinations:redis:BatchLinger"] = "00:00:00.050",
        };
    }
}
