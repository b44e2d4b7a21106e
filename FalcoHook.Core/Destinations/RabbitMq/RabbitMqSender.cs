using System.Collections.Concurrent;
using FalcoHook.Core.Delivery;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace FalcoHook.Core.Destinations.RabbitMq;

/// <summary>
/// Publishes a batch on the destination's one confirming channel (<see cref="RabbitMqLink"/>) and awaits every confirm
/// together: each item's outcome is its own confirm, nack or return. A broker that is down, or a connection lost while
/// confirms were outstanding, fails what was not confirmed and the outbox retries it, like an HTTP destination that is down.
/// A connection that cannot be made (refused, a TLS handshake that fails, credentials the broker refuses) is logged once
/// per outage (<see cref="BrokerOutage"/>).
/// </summary>
public sealed class RabbitMqSender(ILogger<RabbitMqSender> logger) : BatchDestinationSender<RabbitMqSettings>, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, RabbitMqLink> _links = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (BrokerOutage Outage, ClientTls? Tls)> _states = new(StringComparer.Ordinal);

    protected override async Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, RabbitMqSettings settings, CancellationToken cancellationToken)
    {
        var destination = batch[0].Destination;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(destination.Options.Timeout);
        var (outage, tls) = _states.GetOrAdd(destination.Name, _ => (new BrokerOutage(destination, logger), ClientTls.Load(settings.Tls, "Tls")));
        if (tls?.Error is { } unreadable) return Unreachable(unreadable);
        IChannel channel;
        try
        {
            var link = _links.GetOrAdd(destination.Name, name => new RabbitMqLink(name, logger));
            channel = await link.ChannelAsync(settings, tls, destination.Options.Timeout, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Unreachable($"timed out after {destination.Options.Timeout.TotalSeconds:0.###} s connecting to the broker");
        }
        catch (Exception e) when (IsBrokerFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            return Unreachable(Describe(e));
        }
        outage.Succeeded();
        var publishes = batch.Select(attempt => PublishAsync(channel, attempt, settings, destination.Options.Timeout, timeout.Token, cancellationToken)).ToList();
        return await Task.WhenAll(publishes).ConfigureAwait(false);

        IReadOnlyList<SendResult> Unreachable(string reason)
        {
            outage.Failed(reason);
            return All(SendResult.Retry("rabbitmq connection failed: " + reason), batch.Count);
        }
    }

    private static async Task<SendResult> PublishAsync(IChannel channel, DeliveryAttempt attempt, RabbitMqSettings settings, TimeSpan limit,
        CancellationToken timeout, CancellationToken cancellationToken)
    {
        var alert = SummaryFields.AlertOf(attempt.Notification);
        var properties = new BasicProperties
        {
            Persistent = true,
            ContentType = "application/json",
            MessageId = attempt.DeliveryId,
            Timestamp = new AmqpTimestamp(alert.Time.ToDateTimeOffset().ToUnixTimeSeconds()),
        };
        try
        {
            await channel.BasicPublishAsync(settings.Exchange, settings.RoutingKey!, settings.Mandatory, properties,
                System.Text.Encoding.UTF8.GetBytes(alert.ToJson()), timeout).ConfigureAwait(false);
            return SendResult.Delivered;
        }
        catch (PublishReturnException e)
        {
            return SendResult.Retry($"unroutable: the broker returned the message ({e.ReplyCode} {e.ReplyText}): no queue is bound to exchange '{settings.Exchange}' for routing key '{settings.RoutingKey}'");
        }
        catch (PublishException)
        {
            return SendResult.Retry("the broker refused the message (basic.nack)");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return SendResult.Retry($"timed out after {limit.TotalSeconds:0.###} s waiting for the broker's confirm");
        }
        catch (Exception e) when (IsBrokerFailure(e) && !cancellationToken.IsCancellationRequested)
        {
            return SendResult.Retry("rabbitmq connection failed: " + Describe(e));
        }
    }

    private static bool IsBrokerFailure(Exception e) =>
        e is BrokerUnreachableException or AlreadyClosedException or OperationInterruptedException or ConnectFailureException
            or ProtocolViolationException or IOException or System.Net.Sockets.SocketException or System.Security.Authentication.AuthenticationException;

    /// <summary>The broker's reason when it closed the channel or connection (a missing exchange: 404 NOT_FOUND), else the message.</summary>
    private static string Describe(Exception e) => e switch
    {
        OperationInterruptedException { ShutdownReason: { } reason } => $"{reason.ReplyCode} {reason.ReplyText}",
        BrokerUnreachableException { InnerException: { } inner } => BrokerOutage.Reason(inner),
        _ => BrokerOutage.Reason(e),
    };

    public async ValueTask DisposeAsync()
    {
        foreach (var link in _links.Values) await link.DisposeAsync().ConfigureAwait(false);
    }
}
