using System.Buffers;
using System.Text;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations.Aws;

namespace FalcoHook.Core.Destinations.PubSub;

/// <summary>
/// The <c>publish</c> requests of a batch: one message per delivery (<c>data</c> the alert's Falco JSON in base64,
/// <c>attributes</c> the configured ones and <c>priority</c>, <c>rule</c>, <c>source</c>, <c>hostname</c>,
/// <c>delivery_id</c>, an <c>orderingKey</c> when configured), split at Pub/Sub's 1,000 messages and 10 MB a request.
/// Messages of different ordering keys go in different requests (a request's messages must share one). Attribute values
/// are cut to Pub/Sub's 1,024 bytes, an ordering key to its 1 KB.
/// </summary>
public static class PubSubMessages
{
    public const int MaxMessages = 1000;
    public const int MaxRequestBytes = 10_000_000;
    public const int MaxAttributes = 100;
    public const int MaxAttributeKeyBytes = 256;
    public const int MaxAttributeValueBytes = 1024;
    public const int MaxOrderingKeyBytes = 1024;

    /// <summary>The attributes FalcoHook sets on every message.</summary>
    public static readonly string[] OwnAttributes = ["priority", "rule", "source", "hostname", "delivery_id"];

    /// <summary>A request: the batch positions it carries, in order, and its JSON body.</summary>
    public sealed record Request(IReadOnlyList<int> Positions, byte[] Body);

    /// <summary>The requests for <paramref name="batch"/>; a message too large for any request is listed in <paramref name="tooLarge"/>.</summary>
    public static List<Request> Split(IReadOnlyList<DeliveryAttempt> batch, PubSubSettings settings, out List<int> tooLarge)
    {
        tooLarge = [];
        var groups = new Dictionary<string, List<(int Position, byte[] Message)>>(StringComparer.Ordinal);
        var order = new List<string>();
        for (var i = 0; i < batch.Count; i++)
        {
            var key = OrderingKey(batch[i], settings);
            var message = Message(batch[i], settings, key);
            if (message.Length + Framing > MaxRequestBytes)
            {
                tooLarge.Add(i);
                continue;
            }
            if (!groups.TryGetValue(key, out var group))
            {
                groups[key] = group = [];
                order.Add(key);
            }
            group.Add((i, message));
        }
        var requests = new List<Request>();
        foreach (var key in order)
        {
            var positions = new List<int>();
            var messages = new List<byte[]>();
            var bytes = Framing;
            foreach (var (position, message) in groups[key])
            {
                if (messages.Count == MaxMessages || bytes + message.Length + 1 > MaxRequestBytes)
                {
                    requests.Add(new Request(positions, Body(messages)));
                    (positions, messages, bytes) = ([], [], Framing);
                }
                positions.Add(position);
                messages.Add(message);
                bytes += message.Length + 1;
            }
            if (messages.Count > 0) requests.Add(new Request(positions, Body(messages)));
        }
        return requests;
    }

    /// <summary>The configured field's value as the ordering key (cut to 1 KB); empty without one.</summary>
    public static string OrderingKey(DeliveryAttempt attempt, PubSubSettings settings) =>
        string.IsNullOrWhiteSpace(settings.OrderingKey) ? "" : Cut(AlertField.Value(attempt.Notification.Alert, settings.OrderingKey.Trim()) ?? "", MaxOrderingKeyBytes);

    /// <summary><paramref name="text"/> cut to at most <paramref name="bytes"/> bytes of UTF-8, not inside a character.</summary>
    public static string Cut(string text, int bytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= bytes) return text;
        var length = text.Length;
        while (length > 0 && Encoding.UTF8.GetByteCount(text.AsSpan(0, length)) > bytes) length--;
        if (length > 0 && char.IsHighSurrogate(text[length - 1])) length--;
        return text[..length];
    }

    // {"messages":[ and ]}
    private const int Framing = 16;

    private static byte[] Message(DeliveryAttempt attempt, PubSubSettings settings, string orderingKey)
    {
        var alert = SummaryFields.AlertOf(attempt.Notification);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteBase64String("data", alert.ToJsonBytes());
            writer.WriteStartObject("attributes");
            foreach (var (key, value) in settings.Attributes)
                if (!OwnAttributes.Contains(key)) writer.WriteString(key, Cut(value, MaxAttributeValueBytes));
            writer.WriteString("priority", alert.Priority.ToFalcoString());
            writer.WriteString("rule", Cut(alert.Rule, MaxAttributeValueBytes));
            if (!string.IsNullOrEmpty(alert.Source)) writer.WriteString("source", Cut(alert.Source, MaxAttributeValueBytes));
            if (!string.IsNullOrEmpty(alert.Hostname)) writer.WriteString("hostname", Cut(alert.Hostname, MaxAttributeValueBytes));
            writer.WriteString("delivery_id", attempt.DeliveryId);
            writer.WriteEndObject();
            if (orderingKey.Length > 0) writer.WriteString("orderingKey", orderingKey);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static byte[] Body(List<byte[]> messages)
    {
        using var stream = new MemoryStream();
        stream.Write("{\"messages\":["u8);
        for (var i = 0; i < messages.Count; i++)
        {
            if (i > 0) stream.WriteByte((byte)',');
            stream.Write(messages[i]);
        }
        stream.Write("]}"u8);
        return stream.ToArray();
    }
}
