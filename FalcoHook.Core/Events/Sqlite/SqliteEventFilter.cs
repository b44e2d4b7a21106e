using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace FalcoHook.Core.Events.Sqlite;

/// <summary>
/// An <see cref="EventQuery"/> as SQL over <c>events e</c>, in <see cref="SqliteEventKey"/> order. When free text or an
/// exact filter (rule, source, hostname, namespace, minimum priority, tag, output field) is given, the rows come from one FTS5
/// MATCH read by rowid (the key) within the time range, each joined to its event; otherwise from the <c>events_key</c>
/// index over the time range. Either way they arrive newest first, so a page stops after its last row. Filters the
/// index does not hold (outcome, kind, an empty or per-event field) and the exact time bounds are checked on the rows.
/// </summary>
internal static class SqliteEventFilter
{
    /// <summary>A query as SQL: <c>SELECT … FROM {From} WHERE {Where} ORDER BY {Key} DESC</c> reads it newest first.</summary>
    public sealed record Sql(string From, string Where, string Key);

    /// <summary>
    /// The SQL of <paramref name="query"/> (events before the key <paramref name="beforeKey"/> when given), its parameters
    /// added to <paramref name="command"/>. <paramref name="fromMs"/>/<paramref name="toMs"/> replace the query's own range.
    /// With <paramref name="searchOnlyWhenNarrowing"/> (counting every match rather than a page), a query whose only indexed
    /// filters are minimum priority and source walks the time range instead: those tokens hold most events, and reading
    /// their postings and joining each costs more than reading the rows of the range.
    /// </summary>
    public static Sql Build(EventQuery query, SqliteCommand command, bool alertsOnly = false, long? fromMs = null, long? toMs = null,
        long? beforeKey = null, bool searchOnlyWhenNarrowing = false)
    {
        var clauses = new List<string>();
        void Add(string clause, params (string Name, object Value)[] parameters)
        {
            clauses.Add(clause);
            foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        }

        var match = searchOnlyWhenNarrowing && !Narrows(query) ? null : Match(query);
        var key = match is null ? "e.key" : "events_fts.rowid";
        if (match is not null) Add("events_fts MATCH $match", ("$match", match));
        var since = fromMs ?? query.Since?.ToUnixTimeMilliseconds();
        var until = toMs ?? query.Until?.ToUnixTimeMilliseconds();
        if (since is { } s) Add($"{key} >= $sinceKey AND e.time >= $since", ("$sinceKey", SqliteEventKey.Floor(s)), ("$since", s));
        if (until is { } u) Add($"{key} < $untilKey AND e.time < $until", ("$untilKey", SqliteEventKey.Floor(u)), ("$until", u));
        if (beforeKey is { } b) Add($"{key} < $beforeKey", ("$beforeKey", b));
        if (query.MinimumPriority is { } p) Add("e.priority >= $priority", ("$priority", (int)p));
        if (query.Rule is { } rule) Add("e.rule = $rule", ("$rule", rule));
        if (query.Source is { } source) Add("e.source = $source", ("$source", source));
        if (query.Hostname is { } hostname) Add("e.hostname = $hostname", ("$hostname", hostname));
        if (query.Namespace is { } ns) Add("e.namespace = $namespace", ("$namespace", ns));
        if (query.Outcome is { } outcome) Add("e.outcome = $outcome", ("$outcome", EventJson.OutcomeName(outcome)));
        if (alertsOnly) clauses.Add("e.kind = 0");
        else if (query.Kind is { } kind) Add("e.kind = $kind", ("$kind", (int)kind));
        var i = 0;
        foreach (var (field, value) in query.Fields)
        {
            if (SqliteEventTokens.Indexed(field, value)) continue;
            Add($"CAST(json_extract(e.notification, $path{i}) AS TEXT) = $value{i}", ($"$path{i}", FieldPath(field)), ($"$value{i}", value));
            i++;
        }
        var where = clauses.Count == 0 ? "1" : string.Join(" AND ", clauses);
        return match is null
            ? new Sql("events e", where, key)
            : new Sql("events_fts CROSS JOIN events e ON e.key = events_fts.rowid", where, key);
    }

    /// <summary>True when the search index narrows <paramref name="query"/> to a few events: text, tags, an indexed field, rule, hostname or namespace.</summary>
    private static bool Narrows(EventQuery query) =>
        !string.IsNullOrWhiteSpace(query.Text) || query.Tags.Count > 0 || query.Rule is not null || query.Hostname is not null || query.Namespace is not null ||
        query.Fields.Any(f => SqliteEventTokens.Indexed(f.Key, f.Value));

    /// <summary>The JSON path of an output field in the stored notification.</summary>
    public static string FieldPath(string key) => "$.alert.output_fields.\"" + key + "\"";

    /// <summary>The FTS5 expression for the free text and the indexed filters of <paramref name="query"/>; null when none is given.</summary>
    public static string? Match(EventQuery query)
    {
        var parts = new List<string>();
        foreach (var word in (query.Text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var prefix = word.EndsWith('*');
            var phrase = Phrase(prefix ? word[..^1] : word);
            if (phrase is null) continue;
            parts.Add("{rule output fields} : " + phrase + (prefix ? " *" : ""));
        }
        var keys = new List<string>();
        if (query.Rule is { } rule) keys.Add(SqliteEventTokens.Rule(rule));
        if (query.Source is { } source) keys.Add(SqliteEventTokens.Source(source));
        if (query.Hostname is { } hostname) keys.Add(SqliteEventTokens.Hostname(hostname));
        if (query.Namespace is { } ns) keys.Add(SqliteEventTokens.Namespace(ns));
        if (query.MinimumPriority is { } p && p > Alerts.Priority.Debug) keys.Add(SqliteEventTokens.MinimumPriority(p));
        foreach (var tag in query.Tags) keys.Add(SqliteEventTokens.Tag(tag));
        foreach (var (field, value) in query.Fields)
            if (SqliteEventTokens.Indexed(field, value)) keys.Add(SqliteEventTokens.Field(field, value));
        foreach (var token in keys.Distinct(StringComparer.Ordinal)) parts.Add("keys : " + token);
        return parts.Count == 0 ? null : string.Join(" AND ", parts);
    }

    /// <summary>Text as one quoted FTS5 phrase, or null when it holds no letter or digit (it would match no token).</summary>
    private static string? Phrase(string text)
    {
        if (!text.Any(char.IsLetterOrDigit)) return null;
        return "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The position after which the next page starts: the last event's key.</summary>
    public static string Cursor(long key) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes("k" + key.ToString(CultureInfo.InvariantCulture)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryParseCursor(string? cursor, out long key)
    {
        key = 0;
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 64) return false;
        var base64 = cursor.Replace('-', '+').Replace('_', '/');
        base64 += new string('=', (4 - base64.Length % 4) % 4);
        try
        {
            var text = Encoding.ASCII.GetString(Convert.FromBase64String(base64));
            return text.StartsWith('k') && long.TryParse(text.AsSpan(1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out key);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
