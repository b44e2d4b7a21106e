using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Destinations.Opsgenie;

/// <summary>
/// A "Create Alert" request: <c>alias</c> = the notification's fingerprint (repeats join one open alert), message =
/// priority and rule, description = the output, tags, details = the alert's fields as text, within Opsgenie's
/// limits (message 130, alias 512, description 15,000, 20 tags of 50, entity 512, source 100, details 8,000 in all).
/// </summary>
public static class OpsgeniePayload
{
    public const int MaxMessage = 130, MaxAlias = 512, MaxDescription = 15_000, MaxTags = 20, MaxTag = 50, MaxEntity = 512, MaxDetails = 8_000;

    public static JsonObject Build(Notification notification, OpsgenieSettings settings)
    {
        var alert = notification.Alert;
        var digest = notification.Digest;
        var message = $"{alert.Priority.ToFalcoString()}: {alert.Rule}";
        if (digest is not null) message = $"[{digest.Count} alerts] {message}";
        var payload = new JsonObject
        {
            ["message"] = ChatFormat.Cut(message, MaxMessage),
            ["alias"] = Alias(notification.Fingerprint),
            ["description"] = ChatFormat.Cut(Description(notification), MaxDescription),
        };
        if (settings.Teams.Count > 0)
            payload["responders"] = new JsonArray(settings.Teams.Select(t => (JsonNode?)new JsonObject { ["type"] = "team", ["name"] = t.Trim() }).ToArray());
        payload["tags"] = new JsonArray(Tags(settings.Tags.Concat(alert.Tags)).Select(t => (JsonNode?)t).ToArray());
        payload["details"] = Details(notification);
        payload["entity"] = ChatFormat.Cut(string.IsNullOrWhiteSpace(alert.Hostname) ? "falco" : alert.Hostname, MaxEntity);
        payload["source"] = "FalcoHook";
        payload["priority"] = OpsgenieDestination.PriorityOf(alert.Priority, settings);
        return payload;
    }

    /// <summary>The fingerprint when it fits in 512 characters, else its SHA-256 in hex (stable either way).</summary>
    public static string Alias(string fingerprint) =>
        fingerprint.Length <= MaxAlias ? fingerprint : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(fingerprint)));

    private static string Description(Notification notification)
    {
        var alert = notification.Alert;
        if (notification.Digest is not { } d) return alert.Output;
        var lines = new List<string>
        {
            $"Storm summary: {d.Count} alerts from {d.FirstSeen} to {d.LastSeen}",
            "First: " + d.FirstOutput,
        };
        lines.AddRange(d.Samples.Select(s => $"{s.Key}: {string.Join(", ", s.Value)}"));
        return string.Join('\n', lines);
    }

    /// <summary>At most 20 distinct non-empty tags of at most 50 characters, in order.</summary>
    private static IEnumerable<string> Tags(IEnumerable<string> tags) =>
        tags.Select(t => t.Trim()).Where(t => t.Length > 0).Select(t => ChatFormat.Cut(t, MaxTag)).Distinct(StringComparer.Ordinal).Take(MaxTags);

    /// <summary>
    /// rule, priority, source, hostname, time, the output fields, the enrichment's custom fields and a storm's count,
    /// each a string; entries stop before the keys and values together would pass 8,000 characters.
    /// </summary>
    private static JsonObject Details(Notification notification)
    {
        var alert = notification.Alert;
        var all = new List<(string Key, string Value)>
        {
            ("rule", alert.Rule),
            ("priority", alert.Priority.ToFalcoString()),
            ("source", alert.Source ?? ""),
            ("hostname", alert.Hostname ?? ""),
            ("time", alert.Time.ToString()),
        };
        if (notification.Digest is { } d) all.Add(("count", d.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (alert.OutputFields is { } fields)
            foreach (var (key, value) in fields) all.Add((key, ChatFormat.Text(value)));
        foreach (var (key, value) in notification.Enrichment?.CustomFields ?? new Dictionary<string, string>()) all.Add((key, value));
        var details = new JsonObject();
        var used = 0;
        foreach (var (key, value) in all)
        {
            if (value.Length == 0 || details.ContainsKey(key)) continue;
            if (used + key.Length + value.Length > MaxDetails) break;
            used += key.Length + value.Length;
            details[key] = value;
        }
        return details;
    }
}
