using System.Buffers;
using System.Globalization;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;

namespace FalcoHook.Core.Destinations.Elasticsearch;

/// <summary>
/// The bulk request body (NDJSON: per delivery one <c>{"create":{"_index","_id"}}</c> line and the alert's document
/// line, each ending in <c>\n</c>) and the reading of its answer into one outcome per delivery.
/// </summary>
public static class BulkBody
{
    public static byte[] Write(IReadOnlyList<DeliveryAttempt> batch, ElasticsearchSettings settings)
    {
        var buffer = new ArrayBufferWriter<byte>(batch.Count * 1024);
        var flattened = settings.OutputFields.Trim().Equals("flattened", StringComparison.OrdinalIgnoreCase);
        using var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = FalcoAlert.WriterOptions.Encoder });
        foreach (var attempt in batch)
        {
            var alert = SummaryFields.AlertOf(attempt.Notification);
            writer.Reset();
            writer.WriteStartObject();
            writer.WriteStartObject("create");
            writer.WriteString("_index", IndexName(settings, alert.Time));
            writer.WriteString("_id", attempt.DeliveryId);
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.Flush();
            buffer.Write("\n"u8);
            writer.Reset();
            (flattened ? Flatten(alert) : alert).WriteTo(writer);
            writer.Flush();
            buffer.Write("\n"u8);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary><c>Index</c> plus the alert's UTC date in the suffix's format.</summary>
    public static string IndexName(ElasticsearchSettings settings, FalcoTime time)
    {
        var format = SuffixFormat(settings.IndexSuffix) ?? "";
        return format.Length == 0 ? settings.Index : settings.Index + "-" + time.ToDateTimeOffset().UtcDateTime.ToString(format, CultureInfo.InvariantCulture);
    }

    /// <summary>The date format of a suffix name; "" for none; null when the name is unknown.</summary>
    public static string? SuffixFormat(string suffix) => suffix.Trim().ToLowerInvariant() switch
    {
        "daily" => "yyyy.MM.dd",
        "monthly" => "yyyy.MM",
        "yearly" => "yyyy",
        "none" => "",
        _ => null,
    };

    private static FalcoAlert Flatten(FalcoAlert alert) => alert.OutputFields is null ? alert : new FalcoAlert
    {
        Rule = alert.Rule,
        Priority = alert.Priority,
        Time = alert.Time,
        Output = alert.Output,
        Source = alert.Source,
        Hostname = alert.Hostname,
        Tags = alert.Tags,
        OutputFields = alert.OutputFields.ToDictionary(p => p.Key.Replace('.', '_'), p => p.Value, StringComparer.Ordinal),
        Extra = alert.Extra,
    };

    /// <summary>
    /// One outcome per delivery from a 2xx bulk answer: item status 2xx delivered; 409 delivered too (a document with
    /// this id exists: an earlier attempt stored it); 429 and 5xx retried; any other status permanent, with the
    /// cluster's error type and reason. An answer that does not list one item per delivery retries the whole batch.
    /// </summary>
    public static IReadOnlyList<SendResult> ReadAnswer(ReadOnlySpan<byte> json, int count)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using var document = JsonDocument.ParseValue(ref reader);
            if (!document.RootElement.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array || items.GetArrayLength() != count)
                return Enumerable.Repeat(SendResult.Retry($"the bulk answer does not list {count} items"), count).ToArray();
            var results = new SendResult[count];
            var i = 0;
            foreach (var item in items.EnumerateArray())
            {
                var result = item.EnumerateObject().FirstOrDefault().Value;
                results[i++] = result.ValueKind == JsonValueKind.Object ? Outcome(result) : SendResult.Retry("a bulk item without a result");
            }
            return results;
        }
        catch (JsonException e)
        {
            return Enumerable.Repeat(SendResult.Retry("the bulk answer is not JSON: " + e.Message), count).ToArray();
        }
    }

    private static SendResult Outcome(JsonElement result)
    {
        var status = result.TryGetProperty("status", out var s) && s.TryGetInt32(out var n) ? n : 0;
        if (status is >= 200 and < 300 or 409) return SendResult.Delivered;
        var error = "bulk item status " + status.ToString(CultureInfo.InvariantCulture);
        if (result.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object)
        {
            var type = e.TryGetProperty("type", out var t) ? t.GetString() : null;
            var reason = e.TryGetProperty("reason", out var r) ? r.GetString() : null;
            error += $": {type}: {reason}";
        }
        return status is 429 or >= 500 or 0 ? SendResult.Retry(error) : SendResult.Permanent(error);
    }
}
