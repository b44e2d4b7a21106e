using System.Buffers;
using System.Text;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Delivery;

/// <summary>
/// How a <see cref="Notification"/> is stored in the outbox: <c>{"fingerprint", "alert" (Falco's alert
/// JSON), "inbox_id"?, "received"?, "enrichment"?, "digest"?}</c>, and read back. The inbox row is kept so a message
/// can link back to the alert; the request's trace is not (the delivery row has its own).
/// </summary>
public static class NotificationJson
{
    public static string Serialize(Notification notification)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer)) Write(writer, notification);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes the object <see cref="Serialize"/> returns as the next value of <paramref name="writer"/>.</summary>
    public static void Write(Utf8JsonWriter writer, Notification notification)
    {
        writer.WriteStartObject();
        writer.WriteString("fingerprint", notification.Fingerprint);
        // The alert's own JSON, which the inbox wrote when it was accepted and the alert keeps (FalcoAlert.ToJson).
        writer.WritePropertyName("alert");
        writer.WriteRawValue(notification.Alert.ToJson(), skipInputValidation: true);
        if (notification.Origin is { } origin)
        {
            writer.WriteNumber("inbox_id", origin.InboxId);
            writer.WriteString("received", origin.Received);
        }
        if (notification.Enrichment is { } e)
        {
            writer.WriteStartObject("enrichment");
            writer.WriteString("severity", e.Severity);
            writer.WriteString("category", e.Category);
            WriteList(writer, "techniques", e.Techniques);
            WriteMap(writer, "indicators", e.Indicators);
            WriteList(writer, "recommendations", e.Recommendations);
            WriteMap(writer, "custom_fields", e.CustomFields);
            writer.WriteEndObject();
        }
        if (notification.Digest is { } d)
        {
            writer.WriteStartObject("digest");
            writer.WriteNumber("count", d.Count);
            writer.WriteString("first_seen", d.FirstSeen.ToString());
            writer.WriteString("last_seen", d.LastSeen.ToString());
            writer.WriteString("first_output", d.FirstOutput);
            if (d.WindowStart is { } start) writer.WriteString("window_start", start.ToString());
            if (d.WindowEnd is { } end) writer.WriteString("window_end", end.ToString());
            WriteMap(writer, "group_key", d.GroupKey);
            writer.WriteStartObject("samples");
            foreach (var (key, values) in d.Samples) WriteList(writer, key, values);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
    }

    public static Notification Deserialize(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Read(document.RootElement);
    }

    /// <summary>Reads the object <see cref="Write"/> wrote, from the document it is part of.</summary>
    public static Notification Read(JsonElement root)
    {
        var errors = new List<AlertError>();
        var alert = AlertReader.FromElement(root.GetProperty("alert"), "alert", errors)
            ?? throw new FormatException("Stored notification has a bad alert: " + string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));
        Enrichment? enrichment = null;
        if (root.TryGetProperty("enrichment", out var e) && e.ValueKind == JsonValueKind.Object)
        {
            enrichment = new Enrichment
            {
                Severity = e.GetProperty("severity").GetString() ?? "",
                Category = e.GetProperty("category").GetString() ?? "",
                Techniques = ReadList(e, "techniques"),
                Indicators = ReadMap(e, "indicators"),
                Recommendations = ReadList(e, "recommendations"),
                CustomFields = ReadMap(e, "custom_fields"),
            };
        }
        AlertDigest? digest = null;
        if (root.TryGetProperty("digest", out var d) && d.ValueKind == JsonValueKind.Object)
        {
            var samples = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
            if (d.TryGetProperty("samples", out var s) && s.ValueKind == JsonValueKind.Object)
                foreach (var p in s.EnumerateObject()) samples[p.Name] = ReadList(s, p.Name);
            digest = new AlertDigest
            {
                Count = d.GetProperty("count").GetInt64(),
                FirstSeen = ReadTime(d, "first_seen"),
                LastSeen = ReadTime(d, "last_seen"),
                FirstOutput = d.GetProperty("first_output").GetString() ?? "",
                WindowStart = d.TryGetProperty("window_start", out _) ? ReadTime(d, "window_start") : null,
                WindowEnd = d.TryGetProperty("window_end", out _) ? ReadTime(d, "window_end") : null,
                GroupKey = ReadMap(d, "group_key"),
                Samples = samples,
            };
        }
        AlertOrigin? origin = null;
        if (root.TryGetProperty("inbox_id", out var inboxId) && inboxId.TryGetInt64(out var id))
            origin = new AlertOrigin(id, root.TryGetProperty("received", out var r) && r.TryGetDateTimeOffset(out var received) ? received : default, default);
        return new Notification(alert, root.GetProperty("fingerprint").GetString() ?? "")
        {
            Enrichment = enrichment,
            Digest = digest,
            Origin = origin,
        };
    }

    private static void WriteList(Utf8JsonWriter writer, string name, IReadOnlyList<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values) writer.WriteStringValue(value);
        writer.WriteEndArray();
    }

    private static void WriteMap(Utf8JsonWriter writer, string name, IReadOnlyDictionary<string, string> values)
    {
        writer.WriteStartObject(name);
        foreach (var (key, value) in values) writer.WriteString(key, value);
        writer.WriteEndObject();
    }

    private static List<string> ReadList(JsonElement parent, string name) =>
        parent.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray().Select(v => v.GetString() ?? "").ToList()
            : [];

    private static Dictionary<string, string> ReadMap(JsonElement parent, string name)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        if (parent.TryGetProperty(name, out var obj) && obj.ValueKind == JsonValueKind.Object)
            foreach (var p in obj.EnumerateObject()) map[p.Name] = p.Value.GetString() ?? "";
        return map;
    }

    private static FalcoTime ReadTime(JsonElement parent, string name) =>
        FalcoTime.TryParse(parent.GetProperty(name).GetString(), out var time)
            ? time
            : throw new FormatException($"Stored digest has a bad {name}.");
}
