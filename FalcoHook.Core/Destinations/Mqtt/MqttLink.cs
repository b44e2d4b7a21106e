using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;

namespace FalcoHook.Core.Destinations.Mqtt;

/// <summary>
/// A destination's one MQTT client with a persistent session (clean session off, a stable client id). It connects on
/// the first send and again after the connection is lost, at most once per backoff period (0.5 s doubling to 30 s,
/// reset by a successful connect); a send in between fails at once and the outbox retries it. Why it cannot connect
/// (refused, a TLS handshake that fails, credentials the broker refuses) is logged once per outage.
/// </summary>
internal sealed partial class MqttLink(ConfiguredDestination destination, TimeProvider time, ILogger logger) : IAsyncDisposable
{
    private readonly BrokerOutage _outage = new(destination, logger);
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private TimeSpan _backoff = FirstBackoff;
    private DateTimeOffset _nextAttempt = DateTimeOffset.MinValue;
    private string _lastFailure = "";

    public bool IsConnected => _client.IsConnected;

    public static MqttProtocolVersion? Version(string text) => text.Trim() switch
    {
        "3.1.1" or "311" or "4" => MqttProtocolVersion.V311,
        "5" or "5.0" => MqttProtocolVersion.V500,
        _ => null,
    };

    public static bool IsBrokerFailure(Exception e) =>
        e is MqttCommunicationException or MqttProtocolViolationException or IOException or System.Net.Sockets.SocketException
            or System.Security.Authentication.AuthenticationException or ObjectDisposedException;

    /// <summary>The connected client, connecting it when its backoff allows; throws a broker failure otherwise.</summary>
    public async Task<IMqttClient> ClientAsync(MqttSettings settings, ClientTls? tls, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (_client.IsConnected) return _client;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_client.IsConnected) return _client;
            var now = time.GetUtcNow();
            if (now < _nextAttempt)
                throw new MqttCommunicationException($"not connected to the broker ({_lastFailure}); the next connection attempt is in {(_nextAttempt - now).TotalSeconds:0.#} s");
            try
            {
                if (tls?.Error is { } unreadable) throw new MqttCommunicationException(unreadable);
                var result = await _client.ConnectAsync(Options(settings, tls, timeout), cancellationToken).ConfigureAwait(false);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                    throw new MqttCommunicationException($"the broker refused the connection: {result.ResultCode} {result.ReasonString}".TrimEnd());
                _backoff = FirstBackoff;
                _outage.Succeeded();
                LogConnected(logger, destination.Name, result.IsSessionPresent);
                return _client;
            }
            catch (Exception e) when (IsBrokerFailure(e) || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                _nextAttempt = time.GetUtcNow() + _backoff;
                _lastFailure = BrokerOutage.Reason(e);
                _outage.Failed(_lastFailure);
                _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, MaxBackoff.Ticks));
                throw;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private MqttClientOptions Options(MqttSettings settings, ClientTls? clientTls, TimeSpan timeout)
    {
        var url = new Uri(settings.Url!);
        var tls = url.Scheme == "mqtts";
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(url.Host, url.IsDefaultPort || url.Port < 0 ? (tls ? 8883 : 1883) : url.Port)
            .WithProtocolVersion(Version(settings.ProtocolVersion)!.Value)
            .WithClientId(settings.ClientId ?? $"falcohook-{destination.Name}")
            .WithCleanSession(false)
            .WithTimeout(timeout);
        if (Version(settings.ProtocolVersion) == MqttProtocolVersion.V500) builder = builder.WithSessionExpiryInterval((uint)settings.SessionExpiry.TotalSeconds);
        if (!string.IsNullOrEmpty(settings.Username)) builder = builder.WithCredentials(settings.Username, settings.Password);
        if (tls)
            builder = builder.WithTlsOptions(o =>
            {
                o.UseTls().WithTargetHost(url.Host);
                if (clientTls?.Certificate is { } certificate) o.WithClientCertificates([certificate]);
                if (clientTls?.Trust is { Count: > 0 }) o.WithCertificateValidationHandler(e => clientTls.Accepts(e.Certificate, e.Chain, e.SslPolicyErrors));
            });
        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected)
        {
            try { await _client.DisconnectAsync().ConfigureAwait(false); }
            catch (Exception e) when (IsBrokerFailure(e)) { }
        }
        _client.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "MQTT destination {Destination}: connected (session present: {SessionPresent})")]
    private static partial void LogConnected(ILogger logger, string destination, bool sessionPresent);
}
