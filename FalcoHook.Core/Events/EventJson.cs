using System.Buffers;
using System.Text;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Events;

/// <summary>How an event's decisions, deliveries and tags are stored as JSON, and what its searchable text is.</summary>
public static class EventJson
{
    public static string Decisions(IReadOnlyList<PipelineDecision> decisions) => Write(writer =>
    {
        writer.WriteStartArray();
        foreach (var decision in decisions)
        {
            writer.WriteStartObject();
            writer.WriteString("stage", decision.Stage);
            writer.WriteString("kind", OutcomeName(decision.Kind));
            if (decision.Detail is not null) writer.WriteString("detail", decision.Detail);
            if (decision.Destinations.Count > 0)
            {
                writer.WriteStartArray("destinations");
                foreach (var destination in decision.Destinations) writer.WriteStringValue(destination);
                writer.WriteEndArray();
            }
            if (decision.Muted.Count > 0)
            {
                writer.WriteStartArray("muted");
                foreach (var muted in decision.Muted)
                {
                    writer.WriteStartObject();
                    writer.WriteString("destination", muted.Destination);
                    writer.WriteStartArray("intervals");
                    foreach (var interval in muted.Intervals) writer.WriteStringValue(interval);
                    writer.WriteEndArray();
                    writer.WriteEndObject();
                }
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    });

    public static IReadOnlyList<PipelineDecision> ReadDecisions(string json)
    {
        using var document = JsonDocument.Parse(json);
        return ReadDecisions(document.RootElement);
    }

    /// <summary>Reads the array <see cref="Decisions"/> wrote, from the document it is part of.</summary>
    public static IReadOnlyList<PipelineDecision> ReadDecisions(JsonElement array)
    {
        var result = new List<PipelineDecision>();
        foreach (var item in array.EnumerateArray())
        {
            TryParseOutcome(item.GetProperty("kind").GetString(), out var kind);
            var destinations = item.TryGetProperty("destinations", out var d) ? d.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : [];
            var muted = item.TryGetProperty("muted", out var m)
                ? m.EnumerateArray().Select(x => new MutedDelivery(x.GetProperty("destination").GetString() ?? "",
                    [.. x.GetProperty("intervals").EnumerateArray().Select(i => i.GetString() ?? "")])).ToList()
                : [];
            result.Add(new PipelineDecision(item.GetProperty("stage").GetString() ?? "", kind,
                item.TryGetProperty("detail", out var detail) ? detail.GetString() : null) { Destinations = destinations, Muted = muted });
        }
        return result;
    }

    public static string Deliveries(IReadOnlyList<EventDeliveryRef> deliveries) => Write(writer =>
    {
        writer.WriteStartArray();
        foreach (var delivery in deliveries)
        {
            writer.WriteStartObject();
            writer.WriteString("id", delivery.Id);
            writer.WriteString("destination", delivery.Destination);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    });

    public static IReadOnlyList<EventDeliveryRef> ReadDeliveries(string json)
    {
        using var document = JsonDocument.Parse(json);
        return ReadDeliveries(document.RootElement);
    }

    /// <summary>Reads the array <see cref="Deliveries"/> wrote, from the document it is part of.</summary>
    public static IReadOnlyList<EventDeliveryRef> ReadDeliveries(JsonElement array)
    {
        return [.. array.EnumerateArray().Select(item =>
            new EventDeliveryRef(item.GetProperty("id").GetString() ?? "", item.GetProperty("destination").GetString() ?? ""))];
    }

    public static string Tags(IReadOnlyList<string> tags) => Write(writer =>
    {
        writer.WriteStartArray();
        foreach (var tag in tags) writer.WriteStringValue(tag);
        writer.WriteEndArray();
    });

    public static IReadOnlyList<string> ReadTags(string json)
    {
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(item => item.GetString() ?? "")];
    }

    /// <summary><c>dropped</c>, <c>silenced</c>, <c>deduplicated</c>, <c>aggregated</c>, <c>inhibited</c>, <c>routed</c>, <c>unrouted</c>.</summary>
    public static string OutcomeName(DecisionKind kind) => kind switch
    {
        DecisionKind.Dropped => "dropped",
        DecisionKind.Silenced => "silenced",
        DecisionKind.Deduplicated => "deduplicated",
        DecisionKind.Aggregated => "aggregated",
        DecisionKind.Inhibited => "inhibited",
        DecisionKind.Routed => "routed",
        DecisionKind.Unrouted => "unrouted",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public const string OutcomeNames = "dropped, silenced, deduplicated, aggregated, inhibited, routed, unrouted";

    public static bool TryParseOutcome(string? text, out DecisionKind kind)
    {
        foreach (var candidate in Enum.GetValues<DecisionKind>())
        {
            if (string.Equals(OutcomeName(candidate), text?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                kind = candidate;
                return true;
            }
        }
        kind = DecisionKind.Unrouted;
        return false;
    }

    /// <summary>The Kubernetes namespace of an alert: <c>k8s.ns.name</c>, else <c>ka.target.namespace</c>; empty when neither has a value.</summary>
    public static string Namespace(FalcoAlert alert)
    {
        foreach (var key in (ReadOnlySpan<string>)["k8s.ns.name", "ka.target.namespace"])
        {
            if (alert.OutputFields is null || !alert.OutputFields.TryGetValue(key, out var value)) continue;
            var text = AlertFields.ToText(value);
            if (!string.IsNullOrEmpty(text) && text != "<NA>") return text;
        }
        return "";
    }

    /// <summary>
    /// The output fields as searchable text: their values (for free text) and <c>key value</c> pairs (for field
    /// filters), one per line. Fields that differ per event (<c>evt.time</c>…) are left out.
    /// </summary>
    public static (string Values, string Pairs) SearchText(FalcoAlert alert)
    {
        if (alert.OutputFields is null) return ("", "");
        var values = new StringBuilder();
        var pairs = new StringBuilder();
        foreach (var (key, value) in alert.OutputFields)
        {
            if (AlertFields.IsPerEventField(key)) continue;
            var text = AlertFields.ToText(value);
            if (string.IsNullOrEmpty(text)) continue;
            values.Append(text).Append('\n');
            pairs.Append(key).Append(' ').Append(text).Append('\n');
        }
        return (values.ToString(), pairs.ToString());
    }

    private static string Write(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, FalcoAlert.WriterOptions)) write(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
