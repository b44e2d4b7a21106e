using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// A destination's <c>Tls</c> against a real HTTPS receiver (Kestrel on loopback) that requires a client certificate
/// issued by its own CA, the certificates made in the test: the webhook with the right certificate is delivered; without
/// one, or with one of another CA, the receiver refuses the connection and the delivery is retried, never delivered.
/// </summary>
public sealed class MutualTlsTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly ConcurrentQueue<string> _clients = new();
    private X509Certificate2 _ca = null!;
    private WebApplication _receiver = null!;
    private string _url = null!;

    public async Task InitializeAsync()
    {
        var now = DateTimeOffset.UtcNow;
        _ca = TestCertificates.Authority("CN=FalcoHook Test CA", now);
        var server = TestCertificates.Issue(_ca, "CN=receiver", now, serverAuth: true);
        var client = TestCertificates.Issue(_ca, "CN=falcohook", now, serverAuth: false);
        var stranger = TestCertificates.Issue(TestCertificates.Authority("CN=Another CA", now), "CN=stranger", now, serverAuth: false);
        File.WriteAllText(_dir.File("ca.crt"), _ca.ExportCertificatePem());
        WritePem(client, "client");
        WritePem(stranger, "stranger");

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        var serverIdentity = X509CertificateLoader.LoadPkcs12(server.Export(X509ContentType.Pkcs12), null);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(https =>
        {
            https.ServerCertificate = serverIdentity;
            https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
            https.ClientCertificateValidation = (certificate, _, _) => IssuedByTestCa(certificate);
        })));
        _receiver = builder.Build();
        _receiver.Run(context =>
        {
            _clients.Enqueue(context.Connection.ClientCertificate?.Subject ?? "(none)");
            context.Response.StatusCode = 200;
            return Task.CompletedTask;
        });
        await _receiver.StartAsync();
        var address = _receiver.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        _url = new Uri(new Uri(address), "/falco").ToString();
    }

    private bool IssuedByTestCa(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        return chain.Build(certificate);
    }

    private Dictionary<string, string?> Webhook(string? identity, bool trustCa = true)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:siem:Type"] = "webhook",
            ["FalcoHook:Destinations:siem:Url"] = _url,
        };
        if (identity is not null)
        {
            settings["FalcoHook:Destinations:siem:Https:ClientCertificate"] = _dir.File(identity + ".crt");
            settings["FalcoHook:Destinations:siem:Https:ClientKey"] = _dir.File(identity + ".key");
        }
        if (trustCa) settings["FalcoHook:Destinations:siem:Https:CaCertificates"] = _dir.File("ca.crt");
        return settings;
    }

    [Fact]
    public async Task With_the_client_certificate_the_receiver_accepts_the_webhook()
    {
        await using var host = await DeliveryTestHost.StartAsync(Webhook("client"));

        var id = (await host.EnqueueAsync(TestAlerts.Notification(), "siem")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Equal(1, record.Attempts);
        Assert.Equal(["CN=falcohook"], _clients);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("stranger")]
    public async Task Without_the_right_client_certificate_the_delivery_is_retried_not_delivered(string? identity)
    {
        await using var host = await DeliveryTestHost.StartAsync(Webhook(identity));

        var id = (await host.EnqueueAsync(TestAlerts.Notification(), "siem")).Single();
        var record = await host.WaitForAsync(id, r => r.Attempts >= 1 && r.State != DeliveryState.Sending);

        Assert.Equal(DeliveryState.Pending, record.State);
        Assert.NotNull(record.LastError);
        Assert.Empty(_clients);
    }

    [Fact]
    public async Task A_receiver_whose_ca_is_not_trusted_is_not_sent_to()
    {
        await using var host = await DeliveryTestHost.StartAsync(Webhook("client", trustCa: false));

        var id = (await host.EnqueueAsync(TestAlerts.Notification(), "siem")).Single();
        var record = await host.WaitForAsync(id, r => r.Attempts >= 1 && r.State != DeliveryState.Sending);

        Assert.Equal(DeliveryState.Pending, record.State);
        Assert.Empty(_clients);
    }

    [Fact]
    public async Task A_key_given_as_pem_text_works_and_is_a_secret_and_a_missing_file_stops_start_up_naming_the_key()
    {
        var inline = Webhook("client");
        var key = File.ReadAllText(_dir.File("client.key"));
        inline["FalcoHook:Destinations:siem:Https:ClientKey"] = key;
        await using (var host = await DeliveryTestHost.StartAsync(inline))
        {
            var id = (await host.EnqueueAsync(TestAlerts.Notification(), "siem")).Single();
            await host.WaitForStateAsync(id, DeliveryState.Delivered);
            var destination = host.Services.GetRequiredService<DestinationCatalog>().All["siem"];
            Assert.Contains(key.Trim(), destination.Secrets);
            Assert.Equal($"x {Redaction.Mask} y", Redaction.Scrub($"x {key.Trim()} y", destination));
        }

        var missing = Webhook("client");
        missing["FalcoHook:Destinations:siem:Https:ClientKey"] = _dir.File("nope.key");
        missing.Remove("FalcoHook:Destinations:siem:Https:CaCertificates");
        missing["FalcoHook:Destinations:siem:Https:CaCertificates"] = _dir.File("client.key");
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => DeliveryTestHost.StartAsync(missing));

        Assert.Contains($"FalcoHook:Destinations:siem:Https:ClientKey: cannot read '{_dir.File("nope.key")}' (FileNotFoundException)", failure.Failures);
        Assert.Contains("FalcoHook:Destinations:siem:Https:CaCertificates holds no PEM certificate", failure.Failures);
    }

    private void WritePem(X509Certificate2 certificate, string name)
    {
        File.WriteAllText(_dir.File(name + ".crt"), certificate.ExportCertificatePem());
        File.WriteAllText(_dir.File(name + ".key"), certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    public async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        _ca.Dispose();
    }

    public void Dispose() => _dir.Dispose();
}
