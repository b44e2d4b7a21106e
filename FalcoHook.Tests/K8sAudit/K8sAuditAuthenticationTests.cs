using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.K8sAudit;

public sealed class K8sAuditAuthenticationTests
{
    private static readonly string Event = File.ReadAllText(Path.Combine(SharedCorpus.RepositoryRoot,
        "FalcoHook.Tests", "K8sAudit", "Fixtures", "privileged-pod-created.fires.json"));

    private static HttpRequestMessage Post(string uri, string? token = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new StringContent(Event, MediaTypeHeaderValue.Parse("application/json")),
        };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    [Fact]
    public async Task With_tokens_configured_only_a_listed_bearer_token_is_accepted()
    {
        using var factory = new FalcoHookFactory()
            .With("FalcoHook:Ingest:AuditTokens:0", "first-token-0123456789")
            .With("FalcoHook:Ingest:AuditTokens:1", "second-token-0123456789");
        var client = factory.CreateClient();

        var none = await client.SendAsync(Post("/k8s-audit"));
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Contains("Bearer", none.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.SendAsync(Post("/k8s-audit", "wrong-token"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Post("/k8s-audit", "second-token-0123456789"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Post("/k8s-audit", "first-token-0123456789"))).StatusCode);
        await Eventually.TrueAsync(() => factory.Recorder.Total == 2, "the two authenticated batches' alerts");

        // Falco's own endpoint is not behind the audit tokens.
        var alert = new StringContent("""{"rule":"r","priority":"Notice","time":"2024-01-01T00:00:00Z"}""", MediaTypeHeaderValue.Parse("application/json"));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/", alert)).StatusCode);
    }

    [Fact]
    public async Task Without_tokens_or_client_ca_the_endpoint_is_open()
    {
        using var factory = new FalcoHookFactory();
        var client = factory.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(Post("/k8s-audit"))).StatusCode);
    }

    [Fact]
    public async Task Over_mtls_a_client_certificate_from_the_configured_ca_is_accepted_and_others_are_refused()
    {
        var directory = Directory.CreateTempSubdirectory("falcohook-mtls").FullName;
        using var ca = CreateCa("CN=FalcoHook Test CA");
        using var otherCa = CreateCa("CN=Someone Else's CA");
        using var server = Issue(ca, "CN=localhost", serverAuth: true);
        using var client = Issue(ca, "CN=kube-apiserver-audit", serverAuth: false);
        using var stranger = Issue(otherCa, "CN=stranger", serverAuth: false);
        File.WriteAllText(Path.Combine(directory, "tls.crt"), server.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "tls.key"), server.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(directory, "ca.crt"), ca.ExportCertificatePem());
        var port = FreePort();

        using var factory = new FalcoHookFactory()
            .With("urls", $"https://127.0.0.1:{port}")
            .With("FalcoHook:Tls:CertificatePath", Path.Combine(directory, "tls.crt"))
            .With("FalcoHook:Tls:KeyPath", Path.Combine(directory, "tls.key"))
            .With("FalcoHook:Tls:ClientCaPath", Path.Combine(directory, "ca.crt"));
        factory.UseKestrel();
        factory.StartServer();
        var uri = $"https://127.0.0.1:{port}/k8s-audit";

        using (var trusted = HttpsClient(ca, client))
            Assert.Equal(HttpStatusCode.OK, (await trusted.SendAsync(Post(uri))).StatusCode);

        using (var anonymous = HttpsClient(ca, null))
            Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(Post(uri))).StatusCode);

        // A certificate from another CA fails the TLS handshake itself.
        using (var untrusted = HttpsClient(ca, stranger))
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => untrusted.SendAsync(Post(uri)));

        await Eventually.TrueAsync(() => factory.Recorder.Total == 1, "exactly the trusted client's alert");
        Directory.Delete(directory, recursive: true);
    }

    private static HttpClient HttpsClient(X509Certificate2 trustedRoot, X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(trustedRoot);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return certificate is not null && chain.Build(new X509Certificate2(certificate));
        };
        if (clientCertificate is not null) handler.SslOptions.ClientCertificates = [clientCertificate];
        return new HttpClient(handler);
    }

    private static X509Certificate2 CreateCa(string subject)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string subject, bool serverAuth)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (serverAuth)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(8);
        using var issued = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), serial);
        var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
