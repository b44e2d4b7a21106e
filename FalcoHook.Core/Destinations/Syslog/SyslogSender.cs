using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using FalcoHook.Core.Delivery;

namespace FalcoHook.Core.Destinations.Syslog;

/// <summary>
/// Writes a batch of syslog messages: over UDP one datagram each; over TCP and TLS as octet-counted frames on the
/// destination's one long-lived connection (opened on first use, reopened after a failure; the outbox's retry schedule
/// is the reconnect backoff). A receiver that is down fails the batch as a whole and it is retried, like an HTTP
/// destination that is down.
/// </summary>
public sealed class SyslogSender : BatchDestinationSender<SyslogSettings>, IDisposable
{
    private readonly ConcurrentDictionary<string, Connection> _connections = new(StringComparer.Ordinal);

    protected override async Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, SyslogSettings settings, CancellationToken cancellationToken)
    {
        var destination = batch[0].Destination;
        var messages = batch.Select(a => SyslogMessage.Format(SummaryFields.AlertOf(a.Notification), settings)).ToList();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(destination.Options.Timeout);
        try
        {
            if (settings.Protocol.Equals("udp", StringComparison.OrdinalIgnoreCase))
            {
                using var udp = new UdpClient();
                udp.Connect(settings.Host!, settings.EffectivePort);
                foreach (var message in messages) await udp.SendAsync(message, timeout.Token).ConfigureAwait(false);
                return All(SendResult.Delivered, batch.Count);
            }
            var connection = _connections.GetOrAdd(destination.Name, _ => new Connection());
            await connection.Gate.WaitAsync(timeout.Token).ConfigureAwait(false);
            try
            {
                var stream = await connection.OpenAsync(settings, timeout.Token).ConfigureAwait(false);
                using var buffer = new MemoryStream(messages.Sum(m => m.Length + 8));
                foreach (var message in messages) SyslogMessage.WriteFrame(buffer, message);
                await stream.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), timeout.Token).ConfigureAwait(false);
                await stream.FlushAsync(timeout.Token).ConfigureAwait(false);
                return All(SendResult.Delivered, batch.Count);
            }
            catch
            {
                connection.Close();
                throw;
            }
            finally
            {
                connection.Gate.Release();
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return All(SendResult.Retry($"timed out after {destination.Options.Timeout.TotalSeconds:0.###} s"), batch.Count);
        }
        catch (Exception e) when (e is SocketException or IOException or System.Security.Authentication.AuthenticationException && !cancellationToken.IsCancellationRequested)
        {
            return All(SendResult.Retry("syslog connection failed: " + e.Message), batch.Count);
        }
    }

    public void Dispose()
    {
        foreach (var connection in _connections.Values) connection.Close();
    }

    private sealed class Connection
    {
        public readonly SemaphoreSlim Gate = new(1, 1);
        private TcpClient? _client;
        private Stream? _stream;

        /// <summary>The open stream; a new connection when there is none or the receiver has closed this one.</summary>
        public async Task<Stream> OpenAsync(SyslogSettings settings, CancellationToken cancellationToken)
        {
            if (_client is { } client && _stream is { } open && !ClosedByPeer(client.Client)) return open;
            Close();
            client = new TcpClient { NoDelay = true };
            try
            {
                await client.ConnectAsync(settings.Host!, settings.EffectivePort, cancellationToken).ConfigureAwait(false);
                Stream stream = client.GetStream();
                if (settings.Protocol.Equals("tls", StringComparison.OrdinalIgnoreCase))
                {
                    var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                    await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
                    {
                        TargetHost = settings.Host,
                        CertificateChainPolicy = Trust(settings.CaFile),
                    }, cancellationToken).ConfigureAwait(false);
                    stream = tls;
                }
                (_client, _stream) = (client, stream);
                return stream;
            }
            catch
            {
                client.Dispose();
                throw;
            }
        }

        /// <summary>A receiver that closed its end has made the socket readable with nothing to read (it never sends data).</summary>
        private static bool ClosedByPeer(Socket socket)
        {
            try { return socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0; }
            catch (SocketException) { return true; }
            catch (ObjectDisposedException) { return true; }
        }

        private static X509ChainPolicy? Trust(string? caFile)
        {
            if (caFile is null) return null;
            // A private CA seldom publishes revocation lists; like other syslog clients, trust the file without an online check.
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.ImportFromPemFile(caFile);
            return policy;
        }

        public void Close()
        {
            _stream?.Dispose();
            _client?.Dispose();
            (_stream, _client) = (null, null);
        }
    }
}
