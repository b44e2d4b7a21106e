using System.Collections.Concurrent;
using System.Text;
using Confluent.Kafka;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations.Aws;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Destinations.Kafka;

/// <summary>
/// Produces a batch on the destination's one long-lived producer (built on first use, disposed with the service) and
/// waits for every message's delivery report: Persisted is delivered; an error the sink will give again
/// (<see cref="PermanentErrors"/>: too large, not authorised) is dead; any other error, or no report within the
/// message timeout plus <see cref="ReportGrace"/>, is retried. librdkafka reconnects by itself; while the brokers are
/// away the messages wait in its queue until their message timeout, so an attempt then fails and is retried by the
/// outbox, like an HTTP destination that is down. A fatal producer error (the idempotent producer's state is lost)
/// replaces the producer before the next batch.
/// </summary>
public sealed partial class KafkaSender(ILogger<KafkaSender> logger) : BatchDestinationSender<KafkaSettings>, IDisposable
{
    public const string DeliveryIdHeader = "falcohook-delivery-id";

    /// <summary>librdkafka reports a timed-out message at its next timeout scan, within about a second.</summary>
    public static readonly TimeSpan ReportGrace = TimeSpan.FromSeconds(3);

    private static readonly HashSet<ErrorCode> PermanentErrors =
    [
        ErrorCode.MsgSizeTooLarge, ErrorCode.RecordListTooLarge, ErrorCode.InvalidRecord,
        ErrorCode.TopicAuthorizationFailed, ErrorCode.ClusterAuthorizationFailed, ErrorCode.PolicyViolation, ErrorCode.TopicException,
    ];

    private static readonly byte[] ContentType = Encoding.ASCII.GetBytes("application/json");

    private readonly ConcurrentDictionary<string, KafkaLink> _links = new(StringComparer.Ordinal);

    protected override async Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, KafkaSettings settings, CancellationToken cancellationToken)
    {
        var destination = batch[0].Destination;
        var messageTimeout = settings.MessageTimeout ?? destination.Options.Timeout;
        KafkaLink link;
        try
        {
            link = Link(destination.Name, settings, messageTimeout);
        }
        catch (Exception e) when (e is KafkaException or ArgumentException or InvalidOperationException or DllNotFoundException)
        {
            return All(SendResult.Retry("Kafka: cannot create the producer: " + e.Message), batch.Count);
        }
        var reports = new Task<SendResult>[batch.Count];
        for (var i = 0; i < batch.Count; i++) reports[i] = Produce(link, batch[i], settings);
        var all = Task.WhenAll(reports);
        try
        {
            await all.WaitAsync(messageTimeout + ReportGrace, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            var limit = (messageTimeout + ReportGrace).TotalSeconds;
            return reports.Select(r => r.IsCompletedSuccessfully ? r.Result : SendResult.Retry($"Kafka: no delivery report within {limit:0.###} s")).ToArray();
        }
        return all.Result;
    }

    private static Task<SendResult> Produce(KafkaLink link, DeliveryAttempt attempt, KafkaSettings settings)
    {
        var alert = SummaryFields.AlertOf(attempt.Notification);
        var key = settings.KeyField is { } field ? AlertField.Value(attempt.Notification.Alert, field.Trim()) : null;
        var message = new Message<byte[]?, byte[]>
        {
            Key = key is null ? null : Encoding.UTF8.GetBytes(key),
            Value = alert.ToJsonBytes(),
            Headers = new Headers { { "content-type", ContentType }, { DeliveryIdHeader, Encoding.UTF8.GetBytes(attempt.DeliveryId) } },
        };
        var report = new TaskCompletionSource<SendResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            link.Producer.Produce(settings.Topic!, message, r => report.TrySetResult(Outcome(link, r.Error, r.Status)));
        }
        catch (ProduceException<byte[]?, byte[]> e)
        {
            report.TrySetResult(Outcome(link, e.Error, PersistenceStatus.NotPersisted));
        }
        catch (KafkaException e)
        {
            report.TrySetResult(Outcome(link, e.Error, PersistenceStatus.NotPersisted));
        }
        return report.Task;
    }

    private static SendResult Outcome(KafkaLink link, Error error, PersistenceStatus status)
    {
        if (!error.IsError)
            return status == PersistenceStatus.Persisted ? SendResult.Delivered : SendResult.Retry($"Kafka: the record is {status}, not persisted");
        if (error.IsFatal) link.Broken = true;
        var text = $"Kafka: {error.Code} ({error.Reason})";
        return PermanentErrors.Contains(error.Code) && !error.IsFatal ? SendResult.Permanent(text) : SendResult.Retry(text);
    }

    /// <summary>The destination's producer; a new one when the last one hit a fatal error or its settings changed.</summary>
    private KafkaLink Link(string destination, KafkaSettings settings, TimeSpan messageTimeout)
    {
        while (true)
        {
            var current = _links.GetOrAdd(destination, _ => new KafkaLink(settings, messageTimeout, destination, logger));
            if (!current.Broken && ReferenceEquals(current.Settings, settings) && current.MessageTimeout == messageTimeout) return current;
            if (_links.TryRemove(new KeyValuePair<string, KafkaLink>(destination, current)))
            {
                LogReplaced(logger, destination);
                current.Dispose();
            }
        }
    }

    public void Dispose()
    {
        foreach (var link in _links.Values) link.Dispose();
        _links.Clear();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kafka destination {Destination}: the producer is replaced (fatal error or new settings)")]
    private static partial void LogReplaced(ILogger logger, string destination);
}
