using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace FalcoHook.Core.Events.Sqlite;

/// <summary>
/// An <see cref="EventQuery"/> as SQL over <c>events e</c>. Free text, tags and field filters first narrow the rows
/// through the FTS index (one MATCH); tags and fields are then checked exactly against the stored JSON, since the index
/// knows words, not values.
/// </summary>
internal static class SqliteEventFilter
{
    /// <summary>The WHERE clause (<c>1</c> when nothing filters) with its parameters added to <paramref name="command"/>.</summary>
    public static string Where(EventQuery query, SqliteCommand command, bool alertsOnly = false, long? fromMs = null, long? toMs = null)
    {
        var clauses = new List<string>();
        void Add(string clause, params (string Name, object Value)[] parameters)
        {
            clauses.Add(clause);
            foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        }

        var since = fromMs ?? query.Since?.ToUnixTimeMilliseconds();
        var until = toMs ?? query.Until?.ToUnixTimeMilliseconds();
        if (since is { } s) Add("e.time >= $since", ("$since", s));
        if (until is { } u) Add("e.time < $until", ("$until", u));
        if (query.MinimumPriority is { } p) Add("e.priority >= $priority", ("$priority", (int)p));
        if (query.Rule is { } rule) Add("e.rule = $rule", ("$rule", rule));
        if (query.Source is { } source) Add("e.source = $source", ("$source", source));
        if (query.Hostname is { } hostname) Add("e.hostname = $hostname", ("$hostname", hostname));
        if (query.Outcome is { } outcome) Add("e.outcome = $outcome", ("$outcome", EventJson.OutcomeName(outcome)));
        if (alertsOnly) clauses.Add("e.kind = 0");
        else if (query.Kind is { } kind) Add("e.kind = $kind", ("$kind", (int)kind));
        var i = 0;
        foreach (var tag in query.Tags)
            Add($"EXISTS (SELECT 1 FROM json_each(e.tags) WHERE value = $tag{i} COLLATE NOCASE)", ($"$tag{i++}", tag));
        i = 0;
        foreach (var (key, value) in query.Fields)
        {
            Add($"CAST(json_extract(e.notification, $path{i}) AS TEXT) = $value{i}", ($"$path{i}", FieldPath(key)), ($"$value{i}", value));
            i++;
        }
        if (Match(query) is { } match) Add("e.seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH $match)", ("$match", match));
        return clauses.Count == 0 ? "1" : string.Join(" AND ", clauses);
    }

    /// <summary>The JSON path of an output field in the stored notification.</summary>
    public static string FieldPath(string key) => "$.alert.output_fields.\"" + key + "\"";

    /// <summary>The FTS5 expression for the free text, tags and fields of <paramref name="query"/>; null when none needs it.</summary>
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
        foreach (var tag in query.Tags)
            if (Phrase(tag) is { } phrase) parts.Add("tags : " + phrase);
        foreach (var (key, value) in query.Fields)
            if (Phrase(value) is not null && Phrase(key + " " + value) is { } phrase) parts.Add("pairs : " + phrase);
        return parts.Count == 0 ? null : string.Join(" AND ", parts);
    }

    /// <summary>Text as one quoted FTS5 phrase, or null when it holds no letter or digit (it would match no token).</summary>
    private static string? Phrase(string text)
    {
        if (!text.Any(char.IsLetterOrDigit)) return null;
        return "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>The position after which the next page starts: the last event's time and id.</summary>
    public static string Cursor(long time, long id) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(time.ToString(CultureInfo.InvariantCulture) + ":" + id.ToString(CultureInfo.InvariantCulture)))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool TryParseCursor(string? cursor, out long time, out long id)
    {
        time = id = 0;
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 64) return false;
        var base64 = cursor.Replace('-', '+').Replace('_', '/');
        base64 += new string('=', (4 - base64.Length % 4) % 4);
        try
        {
            var parts = Encoding.ASCII.GetString(Convert.FromBase64String(base64)).Split(':');
            return parts.Length == 2 &&
                   long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out time) &&
                   long.TryParse(parts[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out id);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
