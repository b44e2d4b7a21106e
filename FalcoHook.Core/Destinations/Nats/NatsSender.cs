using System.Collections.Concurrent;
using FalcoHook.Core.Delivery;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace FalcoHook.Core.Destinations.Nats;

/// <summary>
/// Publishes a batch on the destination's one long-lived <see cref="NatsConnection"/> (opened on first use; NATS.Net
/// reconnects it with backoff, and an attempt while it is away fails at the destination's <c>Timeout</c> and is retried
/// by the outbox, like an HTTP destination that is down). Core NATS: the messages, then a PING whose PONG says the
/// server has them. JetStream: the batch's publishes pipelined, each acknowledged on its own, so each delivery gets its
/// own outcome. A connection that cannot be made (refused, a TLS handshake that fails, credentials the server rejects)
/// keeps the batch pending with the reason, logged once per outage (<see cref="BrokerOutage"/>).
/// </summary>
public sealed class NatsSender(ILogger<NatsSender> logger) : BatchDestinationSender<NatsSettings>, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<NatsConnection>> _connections = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (BrokerOutage Outage, ClientTls? Tls)> _links = new(StringComparer.Ordinal);

    protected override async Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, NatsSettings settings, CancellationToken cancellationToken)
    {
        var destination = batch[0].Destination;
        var (outage, tls) = _links.GetOrAdd(destination.Name, _ => (new BrokerOutage(destination, logger), ClientTls.Load(settings.Tls, "Tls")));
        if (tls?.Error is { } unreadable)
        {
            outage.Failed(unreadable);
            return All(SendResult.Retry("NATS: " + unreadable), batch.Count);
        }
        var lazy = _connections.GetOrAdd(destination.Name, _ => new Lazy<NatsConnection>(() => new NatsConnection(Options(settings, tls, destination.Options.Timeout))));
        var connection = lazy.Value;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(destination.Options.Timeout);
        try
        {
            await connection.ConnectAsync().AsTask().WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Unreachable($"not connected within {destination.Options.Timeout.TotalSeconds:0.###} s (state {connection.ConnectionState})");
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // The first connection failed: the next attempt starts with a new one.
            if (_connections.TryRemove(new KeyValuePair<string, Lazy<NatsConnection>>(destination.Name, lazy))) await connection.DisposeAsync().ConfigureAwait(false);
            return Unreachable(BrokerOutage.Reason(e));
        }
        outage.Succeeded();
        try
        {
            var messages = batch.Select(a => Message(a, settings)).ToList();
            return settings.JetStream
                ? await JetStreamAsync(connection, messages, settings, destination.Options.Timeout, timeout.Token, cancellationToken).ConfigureAwait(false)
                : await CoreAsync(connection, messages, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return All(SendResult.Retry($"NATS: no answer within {destination.Options.Timeout.TotalSeconds:0.###} s (state {connection.ConnectionState})"), batch.Count);
        }
        catch (NatsPayloadTooLargeException e) when (!cancellationToken.IsCancellationRequested)
        {
            return All(SendResult.Permanent("NATS: " + e.Message), batch.Count);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return All(SendResult.Retry("NATS: " + e.Message), batch.Count);
        }

        IReadOnlyList<SendResult> Unreachable(string reason)
        {
            outage.Failed(reason);
            return All(SendResult.Retry("NATS: " + reason), batch.Count);
        }
    }

    private static async Task<IReadOnlyList<SendResult>> CoreAsync(NatsConnection connection, List<Outgoing> messages, CancellationToken cancellationToken)
    {
        foreach (var message in messages)
            await connection.PublishAsync(message.Subject, message.Body, message.Headers, cancellationToken: cancellationToken).ConfigureAwait(false);
        // The server handles a connection's messages in order: its PONG comes after it has taken every one before the PING.
        await connection.PingAsync(cancellationToken).ConfigureAwait(false);
        return All(SendResult.Delivered, messages.Count);
    }

    /// <summary>Every publish of the batch at once; each waits for its own acknowledgement until <paramref name="timeout"/> cancels the attempt.</summary>
    private static async Task<IReadOnlyList<SendResult>> JetStreamAsync(NatsConnection connection, List<Outgoing> messages, NatsSettings settings,
        TimeSpan limit, CancellationToken timeout, CancellationToken cancellationToken)
    {
        var js = new NatsJSContext(connection);
        var acks = messages.Select(m => Publish(js, m, settings, limit, timeout, cancellationToken)).ToList();
        return await Task.WhenAll(acks).ConfigureAwait(false);
    }

    private static async Task<SendResult> Publish(NatsJSContext js, Outgoing message, NatsSettings settings, TimeSpan limit, CancellationToken timeout,
        CancellationToken cancellationToken)
    {
        try
        {
            var opts = new NatsJSPubOpts { MsgId = message.DeliveryId, ExpectedStream = string.IsNullOrEmpty(settings.Stream) ? null : settings.Stream };
            var ack = await js.PublishAsync(message.Subject, message.Body, opts: opts, headers: message.Headers, cancellationToken: timeout).ConfigureAwait(false);
            // A duplicate is delivered too: the stream has this delivery from an earlier attempt.
            return ack.Error is { } error ? Refused(error) : SendResult.Delivered;
        }
        catch (Exception e) when (e is NatsNoRespondersException or NatsJSPublishNoResponseException && !cancellationToken.IsCancellationRequested)
        {
            return SendResult.Retry($"NATS JetStream: no stream captures subject '{message.Subject}' (no responders)");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return SendResult.Retry($"NATS JetStream: no acknowledgement within {limit.TotalSeconds:0.###} s");
        }
        catch (NatsPayloadTooLargeException e) when (!cancellationToken.IsCancellationRequested)
        {
            return SendResult.Permanent("NATS JetStream: " + e.Message);
        }
        catch (Exception e) when (e is NatsException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            return SendResult.Retry("NATS JetStream: " + e.Message);
        }
    }

    /// <summary>The stream's refusal: 503 (unavailable, storage full) and 429 retried, other codes (a wrong expected stream, …) dead.</summary>
    private static SendResult Refused(ApiError error)
    {
        var text = $"NATS JetStream refused the message: {error.Code} {error.Description} (err_code {error.ErrCode})";
        return error.Code is 408 or 429 or >= 500 ? SendResult.Retry(text) : SendResult.Permanent(text);
    }

    private static Outgoing Message(DeliveryAttempt attempt, NatsSettings settings)
    {
        var alert = SummaryFields.AlertOf(attempt.Notification);
        var headers = new NatsHeaders { ["Content-Type"] = "application/json", ["Nats-Msg-Id"] = attempt.DeliveryId };
        return new Outgoing(attempt.DeliveryId, NatsSubject.For(settings.Subject!, alert), alert.ToJsonBytes(), headers);
    }

    private static NatsOpts Options(NatsSettings settings, ClientTls? clientTls, TimeSpan timeout)
    {
        var auth = NatsAuthOpts.Default;
        if (!string.IsNullOrEmpty(settings.User)) auth = auth with { Username = settings.User, Password = settings.Password };
        if (!string.IsNullOrEmpty(settings.Token)) auth = auth with { Token = settings.Token };
        if (!string.IsNullOrEmpty(settings.CredsFile)) auth = auth with { CredsFile = settings.CredsFile };
        if (!string.IsNullOrEmpty(settings.NKeyFile)) auth = auth with { NKeyFile = settings.NKeyFile };
        var tls = clientTls is null ? NatsTlsOpts.Default : NatsTlsOpts.Default with
        {
            ConfigureClientAuthentication = options =>
            {
                clientTls.Apply(options);
                return ValueTask.CompletedTask;
            },
        };
        return NatsOpts.Default with
        {
            Url = settings.Url!,
            Name = "falcohook",
            AuthOpts = auth,
            TlsOpts = tls,
            ConnectTimeout = timeout,
            RequestTimeout = timeout,
            CommandTimeout = timeout,
            MaxReconnectRetry = -1,
        };
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections.Values)
            if (connection.IsValueCreated) await connection.Value.DisposeAsync().ConfigureAwait(false);
    }

    private sealed record Outgoing(string DeliveryId, string Subject, byte[] Body, NatsHeaders Headers);
}
