using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations.Aws;

namespace FalcoHook.Core.Destinations.EventHubs;

/// <summary>
/// Sends a batch as "send batch events" requests of at most <c>MaxBatchBytes</c>, one after the other: each event's
/// <c>Body</c> the alert's Falco JSON, <c>UserProperties</c> <c>priority</c>, <c>rule</c>, <c>source</c>, <c>hostname</c>,
/// <c>delivery_id</c>, and with <c>PartitionKey</c> the field's value as <c>BrokerProperties.PartitionKey</c> (the brokered
/// message's property the batch format carries). A signature lives one hour and is renewed when less than five minutes of
/// it are left (on the injected clock). The hub takes or refuses a request whole: 2xx delivered, 408, 429 and 5xx
/// retried, any other status (401, 403, 413…) permanent.
/// </summary>
public sealed class EventHubsSender(IHttpClientFactory factory, TimeProvider time) : BatchDestinationSender<EventHubsSettings>
{
    public static readonly TimeSpan TokenLifetime = TimeSpan.FromHours(1);
    private static readonly TimeSpan RenewMargin = TimeSpan.FromMinutes(5);
    private const int Framing = 2; // [ and ]

    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Expires)> _tokens = new(StringComparer.Ordinal);

    protected override async Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, EventHubsSettings settings, CancellationToken cancellationToken)
    {
        var destination = batch[0].Destination;
        var connection = EventHubsConnection.From(settings, out var error) ?? throw new InvalidOperationException(error);
        var url = EventHubsDestination.SendUrl(settings, connection);
        var client = factory.CreateClient(DestinationCatalog.HttpClientName(destination.Name));
        var results = new SendResult[batch.Count];
        var positions = new List<int>();
        var events = new List<byte[]>();
        var bytes = Framing;
        for (var i = 0; i <= batch.Count; i++)
        {
            var next = i < batch.Count ? Event(batch[i], settings) : null;
            if (next is not null && next.Length + Framing > settings.MaxBatchBytes)
            {
                results[i] = SendResult.Permanent($"the event is larger than MaxBatchBytes ({settings.MaxBatchBytes})");
                continue;
            }
            if (events.Count > 0 && (next is null || bytes + next.Length + 1 > settings.MaxBatchBytes))
            {
                var outcome = await PostAsync(client, url, Token(destination.Name, connection), events, destination, cancellationToken).ConfigureAwait(false);
                foreach (var p in positions) results[p] = outcome;
                (positions, events, bytes) = ([], [], Framing);
            }
            if (next is null) continue;
            positions.Add(i);
            events.Add(next);
            bytes += next.Length + 1;
        }
        return results;
    }

    /// <summary>The kept signature of <paramref name="destination"/> while more than five minutes of it are left, else a new one.</summary>
    private string Token(string destination, EventHubsConnection connection)
    {
        var now = time.GetUtcNow();
        if (_tokens.TryGetValue(destination, out var kept) && kept.Expires - now > RenewMargin) return kept.Token;
        var expires = now + TokenLifetime;
        var token = connection.Token(expires);
        _tokens[destination] = (token, expires);
        return token;
    }

    private async Task<SendResult> PostAsync(HttpClient client, Uri url, string token, List<byte[]> events, ConfiguredDestination destination,
        CancellationToken cancellationToken)
    {
        try
        {
            using var body = new MemoryStream();
            body.WriteByte((byte)'[');
            for (var i = 0; i < events.Count; i++)
            {
                if (i > 0) body.WriteByte((byte)',');
                body.Write(events[i]);
            }
            body.WriteByte((byte)']');
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body.ToArray()) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/vnd.microsoft.servicebus.json");
            request.Headers.TryAddWithoutValidation("Authorization", token);
            using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            return await HttpOutcome.FromResponseAsync(response, time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return HttpOutcome.FromException(e, destination.Options);
        }
    }

    private static byte[] Event(DeliveryAttempt attempt, EventHubsSettings settings)
    {
        var alert = SummaryFields.AlertOf(attempt.Notification);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = FalcoAlert.WriterOptions.Encoder }))
        {
            writer.WriteStartObject();
            writer.WriteString("Body", alert.ToJson());
            writer.WriteStartObject("UserProperties");
            writer.WriteString("priority", alert.Priority.ToFalcoString());
            writer.WriteString("rule", alert.Rule);
            if (!string.IsNullOrEmpty(alert.Source)) writer.WriteString("source", alert.Source);
            if (!string.IsNullOrEmpty(alert.Hostname)) writer.WriteString("hostname", alert.Hostname);
            writer.WriteString("delivery_id", attempt.DeliveryId);
            writer.WriteEndObject();
            if (!string.IsNullOrWhiteSpace(settings.PartitionKey) && AlertField.Value(alert, settings.PartitionKey.Trim()) is { Length: > 0 } key)
            {
                writer.WriteStartObject("BrokerProperties");
                writer.WriteString("PartitionKey", key.Length > 128 ? key[..128] : key);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
