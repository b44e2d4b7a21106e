using System.Globalization;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Destinations.Templates;

/// <summary>
/// What a template sees: <c>rule</c>, <c>priority</c>, <c>output</c>, <c>output_fields</c> (by key:
/// <c>output_fields["k8s.ns.name"]</c>), <c>tags</c>, <c>hostname</c>, <c>source</c>, <c>time</c>,
/// <c>fingerprint</c>, <c>enrichment</c> (<c>severity</c>, <c>category</c>, <c>techniques</c>,
/// <c>recommendations</c>, <c>indicators</c>, <c>custom_fields</c>), <c>digest</c> for a storm summary
/// (<c>count</c>, <c>first_seen</c>, <c>last_seen</c>, <c>first_output</c>, <c>group_key</c>, <c>samples</c>) and
/// <c>url</c>, the link back to FalcoHook. What an alert lacks is nil (renders as nothing).
/// </summary>
public static class TemplateModel
{
    public static Dictionary<string, object?> For(Notification notification, string? url)
    {
        var alert = notification.Alert;
        var model = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["rule"] = alert.Rule,
            ["priority"] = alert.Priority.ToFalcoString(),
            ["output"] = alert.Output,
            ["output_fields"] = OutputFields(alert.OutputFields),
            ["tags"] = alert.Tags.Cast<object?>().ToList(),
            ["hostname"] = alert.Hostname,
            ["source"] = alert.Source ?? "syscall",
            ["time"] = alert.Time.ToString(),
            ["fingerprint"] = notification.Fingerprint,
            ["url"] = url,
            ["enrichment"] = null,
            ["digest"] = null,
        };
        if (notification.Enrichment is { } e)
        {
            model["enrichment"] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["severity"] = e.Severity,
                ["category"] = e.Category,
                ["techniques"] = e.Techniques.Cast<object?>().ToList(),
                ["recommendations"] = e.Recommendations.Cast<object?>().ToList(),
                ["indicators"] = Strings(e.Indicators),
                ["custom_fields"] = Strings(e.CustomFields),
            };
        }
        if (notification.Digest is { } d)
        {
            model["digest"] = new Dictionary<string, object?>(StringComparer.Ordinal)
            {
                ["count"] = d.Count,
                ["first_seen"] = d.FirstSeen.ToString(),
                ["last_seen"] = d.LastSeen.ToString(),
                ["first_output"] = d.FirstOutput,
                ["group_key"] = Strings(d.GroupKey),
                ["samples"] = d.Samples.ToDictionary(s => s.Key, s => (object?)s.Value.Cast<object?>().ToList(), StringComparer.Ordinal),
            };
        }
        return model;
    }

    private static Dictionary<string, object?> Strings(IReadOnlyDictionary<string, string> values) =>
        values.ToDictionary(v => v.Key, v => (object?)v.Value, StringComparer.Ordinal);

    private static Dictionary<string, object?> OutputFields(IReadOnlyDictionary<string, JsonElement>? fields)
    {
        var map = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (fields is null) return map;
        foreach (var (key, value) in fields) map[key] = Value(value);
        return map;
    }

    private static object? Value(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Number => value.TryGetDecimal(out var number) ? number : value.GetRawText(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.GetRawText(),
    };

    /// <summary>A decimal prints as Falco wrote it (no exponent, invariant culture).</summary>
    internal static string Text(object? value) => value switch
    {
        null => "",
        decimal d => d.ToString(CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
