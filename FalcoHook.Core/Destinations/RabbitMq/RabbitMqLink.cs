using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace FalcoHook.Core.Destinations.RabbitMq;

/// <summary>
/// A destination's one connection and one channel with publisher confirms (tracked by the client, so a
/// <c>basic.return</c> is matched to its message). The client recovers a lost connection and its channel by itself;
/// a connection that never opened, or a channel the broker closed (a missing exchange), is made anew on the next send.
/// </summary>
internal sealed partial class RabbitMqLink(string destination, ILogger logger) : IAsyncDisposable
{
    /// <summary>How often the client tries again to reach a broker it lost.</summary>
    private static readonly TimeSpan RecoveryInterval = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;
    private IChannel? _channel;

    public async Task<IChannel> ChannelAsync(RabbitMqSettings settings, ClientTls? tls, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_channel is { IsOpen: true } open) return open;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_channel is { IsOpen: true } opened) return opened;
            if (_connection is { IsOpen: true } connection && _channel is { CloseReason: not null })
            {
                // The broker closed the channel, not the connection: a channel error such as a missing exchange.
                await _channel.DisposeAsync().ConfigureAwait(false);
                _channel = null;
            }
            if (_channel is not null) return _channel; // recovering with its connection: a publish now fails and is retried
            if (_connection is not { IsOpen: true })
            {
                if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
                _connection = null;
                _connection = await Factory(settings, tls, timeout).CreateConnectionAsync($"falcohook:{destination}", cancellationToken).ConfigureAwait(false);
                _connection.ConnectionShutdownAsync += OnShutdownAsync;
                _connection.RecoverySucceededAsync += OnRecoveredAsync;
            }
            _channel = await _connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken).ConfigureAwait(false);
            return _channel;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static ConnectionFactory Factory(RabbitMqSettings settings, ClientTls? tls, TimeSpan timeout)
    {
        var factory = new ConnectionFactory
        {
            Uri = new Uri(settings.Url!),
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = false,
            NetworkRecoveryInterval = RecoveryInterval,
            RequestedConnectionTimeout = timeout,
            ContinuationTimeout = timeout,
        };
        // amqps:// has turned TLS on, with the URL's host as the name to check.
        if (tls is null || !factory.Ssl.Enabled) return factory;
        if (tls.Certificate is { } certificate)
        {
            factory.Ssl.Certs = new X509CertificateCollection { certificate };
            factory.Ssl.CertificateSelectionCallback = (_, _, _, _, _) => certificate;
        }
        if (tls.Trust is { Count: > 0 }) factory.Ssl.CertificateValidationCallback = (_, remote, chain, errors) => tls.Accepts(remote, chain, errors);
        return factory;
    }

    private Task OnShutdownAsync(object sender, ShutdownEventArgs e)
    {
        if (e.Initiator != ShutdownInitiator.Application) LogLost(logger, destination, $"{e.ReplyCode} {e.ReplyText}");
        return Task.CompletedTask;
    }

    private Task OnRecoveredAsync(object sender, AsyncEventArgs e)
    {
        LogRecovered(logger, destination);
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is not null) await _channel.DisposeAsync().ConfigureAwait(false);
        if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
        (_channel, _connection) = (null, null);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "RabbitMQ destination {Destination}: connection lost ({Reason}); reconnecting")]
    private static partial void LogLost(ILogger logger, string destination, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "RabbitMQ destination {Destination}: connection recovered")]
    private static partial void LogRecovered(ILogger logger, string destination);
}
