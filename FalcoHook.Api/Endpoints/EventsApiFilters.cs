using System.ComponentModel;
using System.Globalization;
using System.Text.RegularExpressions;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Events;

namespace FalcoHook.Api.Endpoints;

/// <summary>
/// The filters <c>/api/v1/events</c>, its stats and its export share. Output fields are filtered by query keys
/// <c>field.&lt;key&gt;=&lt;value&gt;</c> (<c>field.k8s.ns.name=payments</c>), read from the query string.
/// </summary>
public sealed record EventFilterParameters(
    [property: Description("Events at or after this time: RFC 3339 (2026-12-01T10:00:00Z) or an age such as 15m, 24h, 7d")] string? Since,
    [property: Description("Events before this time: RFC 3339 or an age such as 1h")] string? Until,
    [property: Description("Minimum priority: emergency, alert, critical, error, warning, notice, informational, debug")] string? Priority,
    [property: Description("The rule's name, exactly")] string? Rule,
    [property: Description("The source (syscall, k8s_audit…), exactly")] string? Source,
    [property: Description("The hostname, exactly")] string? Hostname,
    [property: Description("The Kubernetes namespace (the output field k8s.ns.name, else ka.target.namespace), exactly")] string? Namespace,
    [property: Description("Tags the event must all have, comma-separated (case ignored)")] string? Tags,
    [property: Description("Free text: every word must occur in the rule, the output or an output field value; word* matches a prefix. Output fields are filtered with field.<key>=<value> query parameters (field.k8s.ns.name=payments).")] string? Q,
    [property: Description("What became of the event: dropped, silenced, deduplicated, aggregated, inhibited, routed or unrouted")] string? Decision,
    [property: Description("alert or summary (a storm summary); both when absent")] string? Kind)
{
    public const string FieldPrefix = "field.";

    private static readonly Regex Age = new(@"^(\d{1,6})(s|m|h|d)$", RegexOptions.CultureInvariant);

    /// <summary>The query, or the errors by parameter name.</summary>
    public EventQuery? ToQuery(IQueryCollection raw, DateTimeOffset now, Dictionary<string, string[]> errors)
    {
        var since = Time(nameof(Since), Since, now, errors);
        var until = Time(nameof(Until), Until, now, errors);
        Priority? priority = null;
        if (!string.IsNullOrWhiteSpace(Priority))
        {
            if (Priorities.TryParse(Priority, out var parsed)) priority = parsed;
            else errors["priority"] = [$"Unknown priority '{Priority}'; expected {Priorities.Names}."];
        }
        Core.Pipeline.DecisionKind? outcome = null;
        if (!string.IsNullOrWhiteSpace(Decision))
        {
            if (EventJson.TryParseOutcome(Decision, out var parsed)) outcome = parsed;
            else errors["decision"] = [$"Unknown decision '{Decision}'; expected {EventJson.OutcomeNames}."];
        }
        EventKind? kind = null;
        if (!string.IsNullOrWhiteSpace(Kind))
        {
            if (Enum.TryParse<EventKind>(Kind.Trim(), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)) kind = parsed;
            else errors["kind"] = [$"Unknown kind '{Kind}'; expected alert or summary."];
        }
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, values) in raw)
        {
            if (!key.StartsWith(FieldPrefix, StringComparison.OrdinalIgnoreCase)) continue;
            var name = key[FieldPrefix.Length..];
            if (name.Length == 0 || name.Contains('"') || name.Contains('\\'))
                errors[key] = [$"'{key}' names no output field; use field.<key>=<value> (field.k8s.ns.name=payments)."];
            else fields[name] = values.ToString();
        }
        if (since is { } s && until is { } u && s >= u) errors["until"] = ["until must be later than since."];
        if (errors.Count > 0) return null;
        return new EventQuery
        {
            Since = since,
            Until = until,
            MinimumPriority = priority,
            Rule = Blank(Rule),
            Source = Blank(Source),
            Hostname = Blank(Hostname),
            Namespace = Blank(Namespace),
            Tags = [.. (Tags ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)],
            Fields = fields,
            Text = Blank(Q),
            Outcome = outcome,
            Kind = kind,
        };
    }

    /// <summary>A bucket size: <c>5m</c>, <c>1h</c>, <c>1d</c> (at least a minute).</summary>
    public static TimeSpan? Duration(string? text, string name, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (ParseAge(text) is { } age && age >= TimeSpan.FromMinutes(1)) return age;
        errors[name] = [$"'{text}' is not a duration of at least a minute such as 5m, 1h or 1d."];
        return null;
    }

    private static DateTimeOffset? Time(string name, string? text, DateTimeOffset now, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (ParseAge(text) is { } age) return now - age;
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)) return time;
        errors[name.ToLowerInvariant()] = [$"'{text}' is neither an RFC 3339 time nor an age such as 15m, 24h or 7d."];
        return null;
    }

    private static TimeSpan? ParseAge(string text)
    {
        var match = Age.Match(text.Trim());
        if (!match.Success) return null;
        var n = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch
        {
            "s" => TimeSpan.FromSeconds(n),
            "m" => TimeSpan.FromMinutes(n),
            "h" => TimeSpan.FromHours(n),
            _ => TimeSpan.FromDays(n),
        };
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
