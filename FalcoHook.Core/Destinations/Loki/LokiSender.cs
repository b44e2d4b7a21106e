using System.Buffers;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Destinations.Loki;

/// <summary>
/// One push per batch: the alerts grouped into streams by their labels, each entry the alert's time in Unix
/// nanoseconds and its JSON as the line. Loki accepts or refuses a push as a whole (its 400 names no items), so the
/// outcome is the same for every delivery of the batch.
/// </summary>
public sealed class LokiSender(JsonPost post) : BatchDestinationSender<LokiSettings>
{
    protected override async Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, LokiSettings settings, CancellationToken cancellationToken)
    {
        var headers = new List<KeyValuePair<string, string>>();
        if (!string.IsNullOrEmpty(settings.Tenant)) headers.Add(new("X-Scope-OrgID", settings.Tenant));
        if (!string.IsNullOrEmpty(settings.Username))
            headers.Add(new("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.Username}:{settings.Password}"))));
        using var content = JsonPost.Json(Body(batch, settings));
        return await post.SendBatchAsync(batch, content, cancellationToken, new JsonPostOptions { Headers = headers }).ConfigureAwait(false);
    }

    /// <summary>The push body: one stream per distinct label set, entries in batch order.</summary>
    public static byte[] Body(IReadOnlyList<DeliveryAttempt> batch, LokiSettings settings)
    {
        var streams = new Dictionary<string, (SortedDictionary<string, string> Labels, List<FalcoAlert> Alerts)>(StringComparer.Ordinal);
        foreach (var attempt in batch)
        {
            var alert = SummaryFields.AlertOf(attempt.Notification);
            var labels = Labels(alert, settings);
            var key = string.Join('\n', labels.Select(l => l.Key + "=" + l.Value));
            if (!streams.TryGetValue(key, out var stream)) streams[key] = stream = (labels, []);
            stream.Alerts.Add(alert);
        }
        var buffer = new ArrayBufferWriter<byte>(batch.Count * 1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("streams");
            foreach (var (labels, alerts) in streams.Values)
            {
                writer.WriteStartObject();
                writer.WriteStartObject("stream");
                foreach (var (name, value) in labels) writer.WriteString(name, value);
                writer.WriteEndObject();
                writer.WriteStartArray("values");
                foreach (var alert in alerts)
                {
                    writer.WriteStartArray();
                    writer.WriteStringValue(alert.Time.UnixNanoseconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    writer.WriteStringValue(alert.ToJson());
                    writer.WriteEndArray();
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The configured fields' values as labels (dots and other characters Loki refuses become <c>_</c>), then the fixed ones.</summary>
    public static SortedDictionary<string, string> Labels(FalcoAlert alert, LokiSettings settings)
    {
        var labels = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var field in settings.LabelFields)
        {
            var value = field switch
            {
                "rule" => alert.Rule,
                "priority" => alert.Priority.ToFalcoString(),
                "source" => alert.Source,
                "hostname" => alert.Hostname,
                "tags" => alert.Tags.Count == 0 ? null : string.Join(',', alert.Tags),
                _ => alert.OutputFields is { } fields && fields.TryGetValue(field, out var v) ? AlertFields.ToText(v) : null,
            };
            if (!string.IsNullOrEmpty(value)) labels[LabelName(field)] = value;
        }
        foreach (var (name, value) in settings.ExtraLabels) labels[name] = value;
        if (labels.Count == 0) labels["job"] = "falcohook"; // Loki refuses a stream without labels
        return labels;
    }

    private static string LabelName(string field)
    {
        var name = new StringBuilder(field.Length + 1);
        foreach (var c in field) name.Append(char.IsAsciiLetterOrDigit(c) || c == '_' ? c : '_');
        if (name.Length == 0 || char.IsAsciiDigit(name[0])) name.Insert(0, '_');
        return name.ToString();
    }
}
