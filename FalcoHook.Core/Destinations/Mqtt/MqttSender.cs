using System.Collections.Concurrent;
using FalcoHook.Core.Delivery;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace FalcoHook.Core.Destinations.Mqtt;

/// <summary>
/// Publishes a batch at QoS 1 on the destination's one client (<see cref="MqttLink"/>), message by message, each
/// counted on its PUBACK. A broker that is down, or a connection lost mid-batch, fails what was not acknowledged and the
/// outbox retries it, like an HTTP destination that is down.
/// </summary>
public sealed class MqttSender(TimeProvider time, ILogger<MqttSender> logger) : BatchDestinationSender<MqttSettings>, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, MqttLink> _links = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ClientTls?> _tls = new(StringComparer.Ordinal);

    protected override async Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, MqttSettings settings, CancellationToken cancellationToken)
    {
        var destination = batch[0].Destination;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(destination.Options.Timeout);
        var link = _links.GetOrAdd(destination.Name, _ => new MqttLink(destination, time, logger));
        var tls = _tls.GetOrAdd(destination.Name, _ => ClientTls.Load(settings.Tls, "Tls"));
        var results = new SendResult[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            try
            {
                var client = await link.ClientAsync(settings, tls, destination.Options.Timeout, timeout.Token).ConfigureAwait(false);
                results[i] = Outcome(await client.PublishAsync(Message(batch[i], settings), timeout.Token).ConfigureAwait(false));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                results[i] = SendResult.Retry($"timed out after {destination.Options.Timeout.TotalSeconds:0.###} s waiting for the broker");
            }
            catch (Exception e) when (MqttLink.IsBrokerFailure(e) && !cancellationToken.IsCancellationRequested)
            {
                results[i] = SendResult.Retry("mqtt connection failed: " + BrokerOutage.Reason(e));
            }
            // The rest of a batch whose connection failed fails at once: the link is reconnecting with backoff.
            if (results[i].Outcome == SendOutcome.Retry && !link.IsConnected)
            {
                for (var j = i + 1; j < batch.Count; j++) results[j] = results[i];
                break;
            }
        }
        return results;
    }

    private static MqttApplicationMessage Message(DeliveryAttempt attempt, MqttSettings settings)
    {
        var builder = new MqttApplicationMessageBuilder()
            .WithTopic(settings.Topic!)
            .WithPayload(SummaryFields.AlertOf(attempt.Notification).ToJson())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(false);
        if (MqttLink.Version(settings.ProtocolVersion) == MQTTnet.Formatter.MqttProtocolVersion.V500)
            builder = builder.WithContentType("application/json").WithPayloadFormatIndicator(MqttPayloadFormatIndicator.CharacterData)
                .WithUserProperty("falcohook-delivery-id", System.Text.Encoding.UTF8.GetBytes(attempt.DeliveryId).AsMemory());
        return builder.Build();
    }

    /// <summary>MQTT 3.1.1's PUBACK carries no reason: it is success. MQTT 5's may refuse: a refusal that sending again cannot fix is permanent.</summary>
    private static SendResult Outcome(MqttClientPublishResult result) => result.IsSuccess
        ? SendResult.Delivered
        : result.ReasonCode is MqttClientPublishReasonCode.NotAuthorized or MqttClientPublishReasonCode.TopicNameInvalid or MqttClientPublishReasonCode.PayloadFormatInvalid
            ? SendResult.Permanent($"the broker refused the message: {result.ReasonCode} {result.ReasonString}".TrimEnd())
            : SendResult.Retry($"the broker refused the message: {result.ReasonCode} {result.ReasonString}".TrimEnd());

    public async ValueTask DisposeAsync()
    {
        foreach (var link in _links.Values) await link.DisposeAsync().ConfigureAwait(false);
    }
}
