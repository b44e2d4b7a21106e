using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Delivery;

/// <summary>
/// A storm summary as machine-readable destinations (webhook, log and search stores, streams) send it: the summary's
/// Falco-shaped alert, with its count, window, group key and sampled values added to <c>output_fields</c> under the
/// <c>falcohook.</c> prefix, so a receiver can add up counts instead of parsing the <c>output</c> text. Receivers that
/// ignore these fields see the same Falco alert shape as before. A notification that is no summary is sent as it is.
/// </summary>
public static class SummaryFields
{
    /// <summary>How many alerts the summary stands for (a JSON number).</summary>
    public const string Count = "falcohook.count";

    /// <summary>The aggregation window's start and end (Falco's RFC 3339 time text, nanoseconds).</summary>
    public const string WindowStart = "falcohook.window_start";

    public const string WindowEnd = "falcohook.window_end";

    /// <summary>The time of the first and the last alert counted.</summary>
    public const string FirstSeen = "falcohook.first_seen";

    public const string LastSeen = "falcohook.last_seen";

    /// <summary><c>falcohook.group.&lt;field&gt;</c>: the group key's value of that field (a string).</summary>
    public const string GroupPrefix = "falcohook.group.";

    /// <summary><c>falcohook.samples.&lt;field&gt;</c>: the distinct values sampled for that output field (an array of strings).</summary>
    public const string SamplesPrefix = "falcohook.samples.";

    /// <summary>The alert to send for <paramref name="notification"/>: itself, or for a summary the alert with the structured fields.</summary>
    public static FalcoAlert AlertOf(Notification notification)
    {
        var alert = notification.Alert;
        if (notification.Digest is not { } digest) return alert;
        var fields = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (alert.OutputFields is { } own)
            foreach (var (key, value) in own)
                if (!key.StartsWith("falcohook.", StringComparison.Ordinal)) fields[key] = value;
        fields[Count] = JsonSerializer.SerializeToElement(digest.Count);
        fields[WindowStart] = Text((digest.WindowStart ?? digest.FirstSeen).ToString());
        fields[WindowEnd] = Text((digest.WindowEnd ?? alert.Time).ToString());
        fields[FirstSeen] = Text(digest.FirstSeen.ToString());
        fields[LastSeen] = Text(digest.LastSeen.ToString());
        foreach (var (field, value) in digest.GroupKey) fields[GroupPrefix + field] = Text(value);
        foreach (var (field, values) in digest.Samples) fields[SamplesPrefix + field] = JsonSerializer.SerializeToElement(values);
        return new FalcoAlert
        {
            Rule = alert.Rule,
            Priority = alert.Priority,
            Time = alert.Time,
            Output = alert.Output,
            Source = alert.Source,
            Hostname = alert.Hostname,
            Tags = alert.Tags,
            OutputFields = fields,
            Extra = alert.Extra,
        };
    }

    private static JsonElement Text(string value) => JsonSerializer.SerializeToElement(value);
}
