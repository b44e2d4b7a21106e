using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: syslog</c> with <c>Protocol: tls</c> (RFC 5425) into an in-test TLS listener whose certificate a test CA
/// signed: with <c>CaFile</c> naming that CA the octet-counted frames (RFC 6587 §3.4.1) arrive, each a whole RFC 5424
/// message carrying the alert; with another CA the handshake fails, nothing is written and the delivery is retried.
/// </summary>
public sealed class SyslogTlsDeliveryTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task Frames_arrive_complete_over_tls_when_the_ca_file_signs_the_receiver()
    {
        var (ca, caKey) = Authority("FalcoHook test CA");
        await using var receiver = TlsReceiver.Start(ServerCertificate(ca, caKey));
        await using var host = await DeliveryTestHost.StartAsync(Settings(receiver, Pem("ca.pem", ca)));
        var notifications = new[] { TestAlerts.Notification(1), TestAlerts.Notification(2, Priority.Warning), TestAlerts.StormSummary() };

        await host.Outbox.EnqueueAsync(notifications.Select(n => new RoutedNotification(n, ["syslog"])).ToList(), CancellationToken.None);
        await Eventually.TrueAsync(() => receiver.Frames.Count >= 3, "three frames at the TLS receiver", detail: () => string.Join("; ",
            host.Store.ListAsync(new DeliveryQuery(Limit: 10), CancellationToken.None).GetAwaiter().GetResult().Items.Select(d => $"{d.State} {d.LastError}")));

        var frames = receiver.Frames.ToList();
        Assert.Equal(3, frames.Count);
        Assert.All(frames, f => Assert.Matches(@"^<\d+>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z falco-xczjd falco - - - \{", f));
        Assert.Equal($"<{19 * 8 + 2}>1 2023-05-25T13:44:05.478445Z falco-xczjd falco - - - {notifications[0].Alert.ToJson()}",
            frames.Single(f => f.Contains(notifications[0].Alert.Output, StringComparison.Ordinal) && !f.Contains(SummaryFields.Count, StringComparison.Ordinal)));
        Assert.EndsWith(notifications[1].Alert.ToJson(), frames.Single(f => f.Contains(notifications[1].Alert.Output, StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains($"\"{SummaryFields.Count}\":42", frames.Single(f => f.Contains(SummaryFields.Count, StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receiver_another_ca_signed_gets_nothing_and_the_delivery_is_retried()
    {
        var (ca, caKey) = Authority("FalcoHook test CA");
        var (other, _) = Authority("Someone else's CA");
        await using var receiver = TlsReceiver.Start(ServerCertificate(ca, caKey));
        await using var host = await DeliveryTestHost.StartAsync(Settings(receiver, Pem("other.pem", other)));

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "syslog")).Single();
        var record = await host.WaitForAsync(id, r => r.Attempts >= 2 && r.State == DeliveryState.Pending);

        Assert.StartsWith("syslog connection failed: ", record.LastError, StringComparison.Ordinal);
        Assert.True(receiver.Handshakes >= 1, "the receiver saw the client's handshake");
        Assert.Empty(receiver.Frames);
        Assert.Equal(0, (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered));
    }

    public void Dispose() => _dir.Dispose();

    private static Dictionary<string, string?> Settings(TlsReceiver receiver, string caFile) => new()
    {
        ["FalcoHook:Destinations:syslog:Type"] = "syslog",
        ["FalcoHook:Destinations:syslog:Host"] = "localhost",
        ["FalcoHook:Destinations:syslog:Port"] = receiver.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["FalcoHook:Destinations:syslog:Protocol"] = "tls",
        ["FalcoHook:Destinations:syslog:Facility"] = "local3",
        ["FalcoHook:Destinations:syslog:CaFile"] = caFile,
        ["FalcoHook:Destinations:syslog:BatchLinger"] = "00:00:00.050",
    };

    private string Pem(string name, X509Certificate2 certificate)
    {
        File.WriteAllText(_dir.File(name), certificate.ExportCertificatePem());
        return _dir.File(name);
    }

    private static (X509Certificate2 Certificate, RSA Key) Authority(string name)
    {
        var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return (request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1)), key);
    }

    /// <summary>A certificate for <c>localhost</c> and 127.0.0.1 signed by the CA, with its private key.</summary>
    private static X509Certificate2 ServerCertificate(X509Certificate2 ca, RSA caKey)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        using var signed = request.Create(ca.SubjectName, X509SignatureGenerator.CreateForRSA(caKey, RSASignaturePadding.Pkcs1),
            DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(8));
        using var withKey = signed.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>A TLS listener on 127.0.0.1 that reads octet-counted syslog frames (<c>MSG-LEN SP SYSLOG-MSG</c>) from every connection.</summary>
    private sealed class TlsReceiver : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly X509Certificate2 _certificate;
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _accepting;
        private int _handshakes;

        private TlsReceiver(X509Certificate2 certificate)
        {
            _certificate = certificate;
            _listener.Start();
            _accepting = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public ConcurrentQueue<string> Frames { get; } = new();

        public int Handshakes => Volatile.Read(ref _handshakes);

        public static TlsReceiver Start(X509Certificate2 certificate) => new(certificate);

        private async Task AcceptAsync()
        {
            var connections = new List<Task>();
            try
            {
                while (true) connections.Add(ReadAsync(await _listener.AcceptTcpClientAsync(_stop.Token)));
            }
            catch (OperationCanceledException) { }
            await Task.WhenAll(connections);
        }

        private async Task ReadAsync(TcpClient client)
        {
            using var _ = client;
            await using var tls = new SslStream(client.GetStream());
            try
            {
                Interlocked.Increment(ref _handshakes);
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
                while (await ReadFrameAsync(tls) is { } frame) Frames.Enqueue(frame);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or System.Security.Authentication.AuthenticationException or OperationCanceledException) { }
        }

        /// <summary>One frame, its length checked against the octets that follow; null at the end of the stream.</summary>
        private async Task<string?> ReadFrameAsync(Stream stream)
        {
            var length = 0;
            var one = new byte[1];
            while (true)
            {
                if (await stream.ReadAsync(one, _stop.Token) == 0) return null;
                if (one[0] == (byte)' ') break;
                if (one[0] is < (byte)'0' or > (byte)'9') throw new IOException($"not an octet count: byte {one[0]}");
                length = length * 10 + (one[0] - '0');
            }
            var message = new byte[length];
            await stream.ReadExactlyAsync(message, _stop.Token);
            return Encoding.UTF8.GetString(message);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _accepting;
            _certificate.Dispose();
        }
    }
}
