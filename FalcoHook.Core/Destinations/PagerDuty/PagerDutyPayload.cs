using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Destinations.PagerDuty;

/// <summary>
/// An Events API v2 <c>trigger</c>: dedup_key = the notification's fingerprint (repeats join one incident),
/// summary = the output (1,024 chars at most), severity from the priority through a configurable map.
/// </summary>
public static class PagerDutyPayload
{
    public const int MaxSummary = 1024, MaxDedupKey = 255;

    public static string Severity(Priority priority, PagerDutySettings settings)
    {
        foreach (var (name, severity) in settings.Severities)
            if (Priorities.TryParse(name, out var p) && p == priority) return severity.Trim().ToLowerInvariant();
        return priority switch
        {
            Priority.Emergency or Priority.Alert or Priority.Critical => "critical",
            Priority.Error => "error",
            Priority.Warning => "warning",
            _ => "info",
        };
    }

    public static string DedupKey(string fingerprint) =>
        fingerprint.Length <= MaxDedupKey ? fingerprint : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint)));

    public static JsonObject Build(Notification notification, PagerDutySettings settings)
    {
        var alert = notification.Alert;
        var details = new JsonObject
        {
            ["rule"] = alert.Rule,
            ["priority"] = alert.Priority.ToFalcoString(),
            ["source"] = alert.Source,
            ["hostname"] = alert.Hostname,
            ["tags"] = new JsonArray(alert.Tags.Select(t => (JsonNode?)t).ToArray()),
            ["output"] = alert.Output,
        };
        var fields = new JsonObject();
        if (alert.OutputFields is not null)
            foreach (var (key, value) in alert.OutputFields) fields[key] = JsonNode.Parse(value.GetRawText());
        details["output_fields"] = fields;
        if (notification.Enrichment is { } e)
        {
            details["enrichment"] = new JsonObject
            {
                ["severity"] = e.Severity,
                ["category"] = e.Category,
                ["mitre_techniques"] = new JsonArray(e.Techniques.Select(t => (JsonNode?)t).ToArray()),
                ["indicators"] = Map(e.Indicators),
                ["recommendations"] = new JsonArray(e.Recommendations.Select(r => (JsonNode?)r).ToArray()),
                ["custom_fields"] = Map(e.CustomFields),
            };
        }
        if (notification.Digest is { } d)
        {
            var samples = new JsonObject();
            foreach (var (key, values) in d.Samples) samples[key] = new JsonArray(values.Select(v => (JsonNode?)v).ToArray());
            details["digest"] = new JsonObject
            {
                ["count"] = d.Count,
                ["first_seen"] = d.FirstSeen.ToString(),
                ["last_seen"] = d.LastSeen.ToString(),
                ["first_output"] = d.FirstOutput,
                ["group_key"] = Map(d.GroupKey),
                ["samples"] = samples,
            };
        }
        var summary = alert.Output.Length > 0 ? alert.Output : alert.Rule;
        if (notification.Digest is { } digest) summary = $"[{digest.Count} alerts] {summary}";
        var payload = new JsonObject
        {
            ["summary"] = Cut(summary, MaxSummary),
            ["source"] = string.IsNullOrWhiteSpace(alert.Hostname) ? "falco" : alert.Hostname,
            ["severity"] = Severity(alert.Priority, settings),
            ["timestamp"] = alert.Time.ToString(),
            ["component"] = alert.Source ?? "falco",
            ["group"] = Group(alert),
            ["class"] = alert.Rule,
            ["custom_details"] = details,
        };
        return new JsonObject
        {
            ["routing_key"] = settings.RoutingKey,
            ["event_action"] = "trigger",
            ["dedup_key"] = DedupKey(notification.Fingerprint),
            ["client"] = "FalcoHook",
            ["payload"] = payload,
        };
    }

    /// <summary>The Kubernetes namespace when the alert has one, else the container, else the host.</summary>
    private static string Group(FalcoAlert alert)
    {
        foreach (var key in (string[])["k8s.ns.name", "ka.target.namespace", "container.name", "container.id"])
            if (alert.OutputFields?.TryGetValue(key, out var value) == true && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text)
                return text;
        return alert.Hostname ?? "falco";
    }

    private static JsonObject Map(IReadOnlyDictionary<string, string> values)
    {
        var map = new JsonObject();
        foreach (var (key, value) in values) map[key] = value;
        return map;
    }

    private static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
