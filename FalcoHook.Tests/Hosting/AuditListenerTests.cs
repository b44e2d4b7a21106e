using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Hosting;

/// <summary>
/// The HTTPS listener (the one the NetworkPolicy opens to kube-apiserver from anywhere) serves the audit webhook and
/// the health endpoints only; the plain listener serves everything. Real Kestrel with both listeners.
/// </summary>
public sealed class AuditListenerTests
{
    private const string Alert = """{"rule":"Listener check","priority":"Notice","time":"2026-11-27T10:00:00Z","output":"x"}""";
    private const string EmptyBatch = """{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[]}""";

    [Fact]
    public async Task The_https_listener_answers_404_beyond_the_audit_webhook_and_health()
    {
        await using var service = await TwoListeners.StartAsync();

        Assert.Equal(HttpStatusCode.OK, (await service.Client.PostAsync(service.Https("/k8s-audit"), Json(EmptyBatch))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync(service.Https("/healthz"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync(service.Https("/readyz"))).StatusCode);

        foreach (var path in new[] { "/api/v1/deliveries", "/api/v1/rules", "/metrics", "/swagger/index.html", "/openapi/v1.json", "/k8s-audit/../api/v1/silences" })
        {
            var refused = await service.Client.GetAsync(service.Https(path));
            Assert.True(refused.StatusCode == HttpStatusCode.NotFound, $"{path} on the HTTPS listener answered {refused.StatusCode}");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(HttpStatusCode.NotFound, (await service.Client.PostAsync(service.Https("/"), Json(Alert))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await service.Client.PostAsync(service.Https("/api/v1/alerts"), Json(Alert))).StatusCode);

        // The plain listener still serves Falco and the API.
        Assert.Equal(HttpStatusCode.OK, (await service.Client.PostAsync(service.Http("/"), Json(Alert))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync(service.Http("/api/v1/deliveries"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await service.Client.PostAsync(service.Http("/k8s-audit"), Json(EmptyBatch))).StatusCode);
    }

    [Fact]
    public async Task HttpsPaths_chooses_what_the_https_listener_serves()
    {
        await using var service = await TwoListeners.StartAsync(new() { ["FalcoHook:Tls:HttpsPaths:0"] = "/", ["FalcoHook:Tls:HttpsPaths:1"] = "/healthz" });

        Assert.Equal(HttpStatusCode.OK, (await service.Client.PostAsync(service.Https("/"), Json(Alert))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await service.Client.GetAsync(service.Https("/healthz"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await service.Client.PostAsync(service.Https("/k8s-audit"), Json(EmptyBatch))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await service.Client.GetAsync(service.Https("/api/v1/deliveries"))).StatusCode);
    }

    private static StringContent Json(string body) => new(body, MediaTypeHeaderValue.Parse("application/json"));

    /// <summary>The service on real Kestrel: plain HTTP and HTTPS (a self-signed certificate) on free loopback ports.</summary>
    private sealed class TwoListeners : IAsyncDisposable
    {
        private readonly FalcoHookFactory _factory;
        private readonly string _directory;
        private readonly int _httpPort;
        private readonly int _httpsPort;

        private TwoListeners(FalcoHookFactory factory, string directory, int httpPort, int httpsPort, HttpClient client)
        {
            _factory = factory;
            _directory = directory;
            _httpPort = httpPort;
            _httpsPort = httpsPort;
            Client = client;
        }

        public HttpClient Client { get; }

        public string Http(string path) => $"http://127.0.0.1:{_httpPort}{path}";

        public string Https(string path) => $"https://127.0.0.1:{_httpsPort}{path}";

        public static Task<TwoListeners> StartAsync(Dictionary<string, string>? settings = null)
        {
            var directory = Directory.CreateTempSubdirectory("falcohook-listener").FullName;
            using var certificate = SelfSigned();
            File.WriteAllText(Path.Combine(directory, "tls.crt"), certificate.ExportCertificatePem());
            File.WriteAllText(Path.Combine(directory, "tls.key"), certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
            var (httpPort, httpsPort) = (FreePort(), FreePort());
            var factory = new FalcoHookFactory()
                .With("urls", $"http://127.0.0.1:{httpPort};https://127.0.0.1:{httpsPort}")
                .With("FalcoHook:Tls:CertificatePath", Path.Combine(directory, "tls.crt"))
                .With("FalcoHook:Tls:KeyPath", Path.Combine(directory, "tls.key"))
                .With("FalcoHook:Tls:HttpsPort", httpsPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
            foreach (var (key, value) in settings ?? []) factory.With(key, value);
            factory.UseKestrel();
            factory.StartServer();
            var thumbprint = certificate.Thumbprint;
            var handler = new SocketsHttpHandler();
            handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) =>
                presented is not null && new X509Certificate2(presented).Thumbprint == thumbprint;
            return Task.FromResult(new TwoListeners(factory, directory, httpPort, httpsPort, new HttpClient(handler)));
        }

        private static X509Certificate2 SelfSigned()
        {
            using var key = RSA.Create(2048);
            var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        public ValueTask DisposeAsync()
        {
            Client.Dispose();
            _factory.Dispose();
            try { Directory.Delete(_directory, recursive: true); } catch (IOException) { }
            return ValueTask.CompletedTask;
        }
    }
}
