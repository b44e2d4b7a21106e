using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using FalcoHook.Core.Destinations.Templates;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;

namespace FalcoHook.Core.Destinations.Smtp;

/// <summary>
/// <c>Type: smtp</c>: one email per delivery over a connection of its own (connect, STARTTLS or TLS, sign in, send,
/// quit). A 4xx reply, a dropped connection, a timeout or a failed TLS handshake is retried; a 5xx reply (550 no
/// such mailbox) and a refused sign-in are permanent.
/// </summary>
public sealed class SmtpSender(MessageRenderer renderer) : DestinationSender<SmtpSettings>
{
    private static readonly EscapingEncoder Html = new(WebUtility.HtmlEncode);

    protected override async Task<SendResult> SendAsync(DeliveryAttempt attempt, SmtpSettings settings, CancellationToken cancellationToken)
    {
        var text = await renderer.RenderAsync(attempt.Destination, attempt.Notification).ConfigureAwait(false);
        var html = await renderer.RenderAsync(attempt.Destination, attempt.Notification, EscapingEncoder.None, Html).ConfigureAwait(false);
        using var message = SmtpMessage.Build(attempt.DeliveryId, settings, attempt.Notification.Alert.Priority, text, html);
        using var client = new SmtpClient { Timeout = (int)Math.Min(int.MaxValue, attempt.Destination.Options.Timeout.TotalMilliseconds) };
        if (settings.CaFile is { Length: > 0 } caFile) client.ServerCertificateValidationCallback = (_, certificate, _, errors) => TrustedBy(caFile, certificate, errors);
        var security = settings.Tls switch
        {
            SmtpTls.None => SecureSocketOptions.None,
            SmtpTls.Tls => SecureSocketOptions.SslOnConnect,
            _ => SecureSocketOptions.StartTls,
        };
        try
        {
            await client.ConnectAsync(settings.Host!, settings.EffectivePort, security, cancellationToken).ConfigureAwait(false);
            if (!string.IsNullOrEmpty(settings.User)) await client.AuthenticateAsync(settings.User, settings.Password ?? "", cancellationToken).ConfigureAwait(false);
            await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
            await client.DisconnectAsync(quit: true, cancellationToken).ConfigureAwait(false);
            return SendResult.Delivered;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return Outcome(e);
        }
    }

    public static SendResult Outcome(Exception exception) => exception switch
    {
        SmtpCommandException command when (int)command.StatusCode >= 500 => SendResult.Permanent($"smtp: {(int)command.StatusCode} {command.Message}"),
        SmtpCommandException command => SendResult.Retry($"smtp: {(int)command.StatusCode} {command.Message}"),
        AuthenticationException auth => SendResult.Permanent("smtp: sign-in refused: " + auth.Message),
        SslHandshakeException tls => SendResult.Retry("smtp: TLS failed: " + tls.Message),
        NotSupportedException unsupported => SendResult.Permanent("smtp: " + unsupported.Message), // e.g. no STARTTLS offered
        TimeoutException or OperationCanceledException => SendResult.Retry("smtp: timed out"),
        SmtpProtocolException or ServiceNotConnectedException or IOException or SocketException => SendResult.Retry("smtp: connection failed: " + exception.Message),
        _ => SendResult.Retry($"smtp: {exception.GetType().Name}: {exception.Message}"),
    };

    /// <summary>The server's certificate is valid, or chains to a CA of <paramref name="caFile"/> and its name matches.</summary>
    private static bool TrustedBy(string caFile, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None) return true;
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(caFile);
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        using var server = new X509Certificate2(certificate);
        return chain.Build(server);
    }
}
