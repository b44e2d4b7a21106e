using System.Text;
using System.Text.Json;
using FalcoHook.Core.Delivery;

namespace FalcoHook.Core.Destinations.CloudWatchLogs;

/// <summary>
/// The <c>PutLogEvents</c> requests of a batch: one event per delivery (timestamp = the alert's time in milliseconds,
/// message = its Falco JSON), sorted by time and split at 10,000 events, 1,048,576 bytes (messages plus 26 bytes each)
/// or 24 hours from the request's first event; and the reading of <c>rejectedLogEventsInfo</c>.
/// </summary>
public static class LogEvents
{
    public const int MaxEvents = 10_000;
    public const int MaxBytes = 1_048_576;
    public const int EventOverhead = 26;

    /// <summary>The most bytes of one event's message (256 KiB less the overhead).</summary>
    public const int MaxMessageBytes = 262_144 - EventOverhead;

    private static readonly long Day = (long)TimeSpan.FromHours(24).TotalMilliseconds;

    /// <summary>A request: the batch positions of its events in the order sent, and its JSON body.</summary>
    public sealed record Request(IReadOnlyList<int> Positions, byte[] Body);

    public static List<Request> Split(IReadOnlyList<DeliveryAttempt> batch, CloudWatchLogsSettings settings, out List<int> tooLarge)
    {
        tooLarge = [];
        var events = new List<(int Position, long Timestamp, string Message)>();
        for (var i = 0; i < batch.Count; i++)
        {
            var alert = SummaryFields.AlertOf(batch[i].Notification);
            var message = alert.ToJson();
            if (Encoding.UTF8.GetByteCount(message) > MaxMessageBytes) tooLarge.Add(i);
            else events.Add((i, alert.Time.ToDateTimeOffset().ToUnixTimeMilliseconds(), message));
        }
        events.Sort((a, b) => a.Timestamp != b.Timestamp ? a.Timestamp.CompareTo(b.Timestamp) : a.Position.CompareTo(b.Position));
        var requests = new List<Request>();
        var current = new List<(int Position, long Timestamp, string Message)>();
        var bytes = 0;
        foreach (var e in events)
        {
            var size = Encoding.UTF8.GetByteCount(e.Message) + EventOverhead;
            if (current.Count > 0 && (current.Count == MaxEvents || bytes + size > MaxBytes || e.Timestamp - current[0].Timestamp > Day))
            {
                requests.Add(Build(current, settings));
                (current, bytes) = ([], 0);
            }
            current.Add(e);
            bytes += size;
        }
        if (current.Count > 0) requests.Add(Build(current, settings));
        return requests;
    }

    private static Request Build(List<(int Position, long Timestamp, string Message)> events, CloudWatchLogsSettings settings)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("logGroupName", settings.LogGroup!.Trim());
            writer.WriteString("logStreamName", settings.LogStream.Trim());
            writer.WriteStartArray("logEvents");
            foreach (var (_, timestamp, message) in events)
            {
                writer.WriteStartObject();
                writer.WriteNumber("timestamp", timestamp);
                writer.WriteString("message", message);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return new Request(events.Select(e => e.Position).ToList(), buffer.ToArray());
    }

    /// <summary>
    /// One outcome per event of a 2xx answer, by <c>rejectedLogEventsInfo</c>: events from <c>tooNewLogEventStartIndex</c>
    /// on are retried (more than 2 hours ahead now, not later); events up to <c>tooOldLogEventEndIndex</c> or
    /// <c>expiredLogEventEndIndex</c> are dead (older than 14 days or the group's retention); the rest are delivered.
    /// </summary>
    public static IReadOnlyList<SendResult> ReadAnswer(byte[] answer, int count)
    {
        var results = Enumerable.Repeat(SendResult.Delivered, count).ToArray();
        try
        {
            using var document = JsonDocument.Parse(answer.Length == 0 ? "{}"u8.ToArray() : answer);
            if (!document.RootElement.TryGetProperty("rejectedLogEventsInfo", out var rejected) || rejected.ValueKind != JsonValueKind.Object) return results;
            if (Index(rejected, "tooNewLogEventStartIndex") is { } tooNew)
                for (var i = Math.Max(0, tooNew); i < count; i++) results[i] = SendResult.Retry("CloudWatch Logs refused the event as more than 2 hours in the future");
            if (Index(rejected, "tooOldLogEventEndIndex") is { } tooOld)
                for (var i = 0; i <= Math.Min(tooOld, count - 1); i++) results[i] = SendResult.Permanent("CloudWatch Logs refused the event as older than 14 days or the log group's retention");
            if (Index(rejected, "expiredLogEventEndIndex") is { } expired)
                for (var i = 0; i <= Math.Min(expired, count - 1); i++) results[i] = SendResult.Permanent("CloudWatch Logs refused the event as expired (older than the log group's retention)");
            return results;
        }
        catch (JsonException e)
        {
            return Enumerable.Repeat(SendResult.Retry("the PutLogEvents answer is not JSON: " + e.Message), count).ToArray();
        }
    }

    private static int? Index(JsonElement rejected, string name) =>
        rejected.TryGetProperty(name, out var value) && value.TryGetInt32(out var index) ? index : null;
}
