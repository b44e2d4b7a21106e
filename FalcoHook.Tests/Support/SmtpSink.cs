using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.ComponentModel;
using SmtpServer.Mail;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace FalcoHook.Tests.Support;

/// <summary>One message the sink accepted: the envelope, whether the session was under TLS, who signed in, and the parsed message.</summary>
public sealed record ReceivedMail(string From, IReadOnlyList<string> To, bool Secure, string? User, MimeMessage Message);

/// <summary>
/// A real SMTP server in the test process (the SmtpServer package) on 127.0.0.1 and a free port: offers STARTTLS with
/// a self-signed certificate made here (written as PEM to <see cref="CaFile"/> for the client to trust) when asked,
/// signs in <see cref="User"/>/<see cref="Password"/>, refuses mail to <c>nobody@…</c> with 550, and keeps every message.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    public const string User = "falco", Password = "s3cret-smtp-password";

    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ReceivedMail> _received = new();
    private readonly TempDirectory _dir = new();
    private Task _running = Task.CompletedTask;

    public int Port { get; private set; }

    /// <summary>The PEM of the server's self-signed certificate.</summary>
    public string CaFile => _dir.File("smtp-ca.pem");

    public IReadOnlyList<ReceivedMail> Received => [.. _received];

    public static SmtpSink Start(bool startTls)
    {
        var sink = new SmtpSink { Port = LocalPorts.Free() };
        using var certificate = SelfSigned();
        File.WriteAllText(sink.CaFile, certificate.ExportCertificatePem());
        var options = new SmtpServerOptionsBuilder().ServerName("localhost").Endpoint(endpoint =>
        {
            endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, sink.Port)).AuthenticationRequired(startTls).AllowUnsecureAuthentication(false);
            if (startTls) endpoint.Certificate(X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null));
        }).Build();
        var services = new ServiceProvider();
        services.Add(new Store(sink));
        services.Add(new DelegatingMailboxFilter((ISessionContext _, IMailbox to, IMailbox _) => to.User != "nobody"));
        services.Add(new DelegatingUserAuthenticator((_, user, password) => user == User && password == Password));
        sink._running = new SmtpServer.SmtpServer(options, services).StartAsync(sink._stop.Token);
        return sink;
    }

    public async Task<ReceivedMail> WaitForMailAsync() =>
        (await Eventually.MatchesAsync(() => Task.FromResult(_received.TryPeek(out var mail) ? mail : null), m => m is not null, "a message at the SMTP sink"))!;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try { await _running; } catch (OperationCanceledException) { }
        _stop.Dispose();
        _dir.Dispose();
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));
    }

    private sealed class Store(SmtpSink sink) : MessageStore
    {
        public override Task<SmtpResponse> SaveAsync(ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer,
            CancellationToken cancellationToken)
        {
            using var stream = new MemoryStream(buffer.ToArray());
            sink._received.Enqueue(new ReceivedMail(transaction.From.AsAddress(), [.. transaction.To.Select(t => t.AsAddress())], context.Pipe.IsSecure,
                context.Authentication.User, MimeMessage.Load(stream)));
            return Task.FromResult(SmtpResponse.Ok);
        }
    }
}
