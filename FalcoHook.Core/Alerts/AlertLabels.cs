using System.Text;
using System.Text.Json;

namespace FalcoHook.Core.Alerts;

/// <summary>
/// An alert as a set of Prometheus labels, the ones Falcosidekick's Alertmanager output sets, so that routes,
/// silences and inhibitions written for it keep matching: <c>alertname</c> and <c>rule</c> (the rule),
/// <c>priority</c> (as Falco writes it, <c>Critical</c>), <c>severity</c> (<c>critical</c>, <c>warning</c> or
/// <c>information</c>), <c>eventsource</c> (the Falco source), <c>source</c> (<c>falco</c>), <c>hostname</c>,
/// <c>tags</c> (sorted, comma-joined) and every string or number output field under a label-safe name
/// (<c>k8s.ns.name</c> → <c>k8s_ns_name</c>). The Alertmanager destination sends these, <c>/api/v2/alerts</c> shows
/// them and silence matchers match them, so one matcher means the same thing everywhere.
/// </summary>
public static class AlertLabels
{
    public static IReadOnlyDictionary<string, string> From(FalcoAlert alert)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (alert.OutputFields is { } fields)
        {
            foreach (var (key, value) in fields)
            {
                if (key.StartsWith("n_evts", StringComparison.Ordinal)) continue; // a running count, not an identity
                var text = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString(),
                    JsonValueKind.Number => value.GetRawText(),
                    _ => null,
                };
                var name = SafeName(key);
                if (text is not null && name.Length > 0) labels[name] = text;
            }
        }
        labels["alertname"] = alert.Rule;
        labels["rule"] = alert.Rule;
        labels["priority"] = alert.Priority.ToFalcoString();
        labels["severity"] = Severity(alert.Priority);
        labels["source"] = "falco";
        if (!string.IsNullOrEmpty(alert.Source)) labels["eventsource"] = alert.Source;
        if (!string.IsNullOrEmpty(alert.Hostname)) labels["hostname"] = alert.Hostname;
        if (alert.Tags.Count > 0) labels["tags"] = string.Join(',', alert.Tags.Order(StringComparer.Ordinal));
        return labels;
    }

    /// <summary>Falcosidekick's mapping of a priority onto Alertmanager's usual severities.</summary>
    public static string Severity(Priority priority) => priority switch
    {
        >= Priority.Critical => "critical",
        >= Priority.Warning => "warning",
        _ => "information",
    };

    /// <summary>
    /// A label name Prometheus accepts (<c>[a-zA-Z_][a-zA-Z0-9_]*</c>): every other character becomes <c>_</c>, runs of
    /// <c>_</c> shrink to one and leading or trailing ones go (<c>k8s.ns.name</c> → <c>k8s_ns_name</c>,
    /// <c>proc.aname[2]</c> → <c>proc_aname_2</c>). Empty when nothing is left.
    /// </summary>
    public static string SafeName(string field)
    {
        var name = new StringBuilder(field.Length);
        foreach (var c in field)
        {
            var safe = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') ? c : '_';
            if (safe == '_' && (name.Length == 0 || name[^1] == '_')) continue;
            name.Append(safe);
        }
        while (name.Length > 0 && name[^1] == '_') name.Length--;
        if (name.Length > 0 && char.IsAsciiDigit(name[0])) name.Insert(0, '_');
        return name.ToString();
    }
}
