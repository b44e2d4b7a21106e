using System.Text.Json.Nodes;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Destinations.GrafanaOnCall;

/// <summary>
/// A Formatted Webhook alert: <c>alert_uid</c> = the fingerprint (OnCall groups repeats by it), <c>title</c> = priority
/// and rule, <c>message</c> = the output and the important fields (a storm summary's count and samples),
/// <c>state</c> = <c>alerting</c> (Falco alerts never resolve), and the Falco alert as is under <c>falco</c> for
/// OnCall's own templates and routes.
/// </summary>
public static class GrafanaOnCallPayload
{
    public static JsonObject Build(Notification notification)
    {
        var alert = notification.Alert;
        var title = $"{alert.Priority.ToFalcoString()}: {alert.Rule}";
        if (notification.Digest is { } digest) title += $" ({digest.Count} alerts)";
        return new JsonObject
        {
            ["alert_uid"] = notification.Fingerprint,
            ["title"] = title,
            ["message"] = Message(notification),
            ["state"] = "alerting",
            ["falco"] = JsonNode.Parse(alert.ToJsonBytes()),
        };
    }

    private static string Message(Notification notification)
    {
        var alert = notification.Alert;
        var lines = new List<string> { alert.Output, "" };
        if (notification.Digest is { } d)
        {
            lines.Add($"Storm summary: {d.Count} alerts from {d.FirstSeen} to {d.LastSeen}");
            lines.Add("First: " + d.FirstOutput);
            lines.AddRange(d.Samples.Select(s => $"{s.Key}: {string.Join(", ", s.Value)}"));
        }
        lines.Add($"Priority: {alert.Priority.ToFalcoString()}");
        lines.Add($"Rule: {alert.Rule}");
        if (!string.IsNullOrEmpty(alert.Source)) lines.Add($"Source: {alert.Source}");
        if (!string.IsNullOrEmpty(alert.Hostname)) lines.Add($"Hostname: {alert.Hostname}");
        if (alert.Tags.Count > 0) lines.Add($"Tags: {string.Join(", ", alert.Tags)}");
        if (alert.OutputFields is { } fields)
            foreach (var (key, value) in fields) lines.Add($"{key}: {ChatFormat.Text(value)}");
        return string.Join('\n', lines);
    }
}
