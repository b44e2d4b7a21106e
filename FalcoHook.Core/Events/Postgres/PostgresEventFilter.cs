using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;
using Npgsql;
using NpgsqlTypes;

namespace FalcoHook.Core.Events.Postgres;

/// <summary>
/// An <see cref="EventQuery"/> as SQL over <c>events e</c>, each filter served by an index: free text by the GIN index
/// of the <c>search</c> tsvector, tags by the GIN index of <c>tag_keys</c>, output fields by the GIN index of the
/// <c>fields</c> jsonb (<c>@&gt;</c>), the rest by b-trees. The values compared are the ones SQLite's store compares.
/// </summary>
internal static class PostgresEventFilter
{
    /// <summary>The WHERE clause (<c>true</c> when nothing filters) with its parameters added to <paramref name="command"/>.</summary>
    public static string Where(EventQuery query, NpgsqlCommand command, bool alertsOnly = false, long? fromMs = null, long? toMs = null)
    {
        var clauses = new List<string>();
        void Add(string clause, string name, object value, NpgsqlDbType type)
        {
            clauses.Add(clause);
            command.Parameters.Add(new NpgsqlParameter(name, type) { Value = value });
        }

        var since = fromMs ?? query.Since?.ToUnixTimeMilliseconds();
        var until = toMs ?? query.Until?.ToUnixTimeMilliseconds();
        if (since is { } s) Add("e.time >= @since", "since", s, NpgsqlDbType.Bigint);
        if (until is { } u) Add("e.time < @until", "until", u, NpgsqlDbType.Bigint);
        if (query.MinimumPriority is { } p) Add("e.priority >= @priority", "priority", (int)p, NpgsqlDbType.Integer);
        if (query.Rule is { } rule) Add("e.rule = @rule", "rule", rule, NpgsqlDbType.Text);
        if (query.Source is { } source) Add("e.source = @source", "source", source, NpgsqlDbType.Text);
        if (query.Hostname is { } hostname) Add("e.hostname = @hostname", "hostname", hostname, NpgsqlDbType.Text);
        if (query.Namespace is { } ns) Add("e.namespace = @namespace", "namespace", ns, NpgsqlDbType.Text);
        if (query.Outcome is { } outcome) Add("e.outcome = @outcome", "outcome", EventJson.OutcomeName(outcome), NpgsqlDbType.Text);
        if (alertsOnly) clauses.Add("e.kind = 0");
        else if (query.Kind is { } kind) Add("e.kind = @kind", "kind", (int)kind, NpgsqlDbType.Integer);
        if (query.Tags.Count > 0)
            Add("e.tag_keys @> @tags", "tags", query.Tags.Select(TagKey).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
        if (query.Fields.Count > 0)
            Add("e.fields @> @fields", "fields", Json(w =>
            {
                w.WriteStartObject();
                foreach (var (key, value) in query.Fields) w.WriteString(key, value);
                w.WriteEndObject();
            }), NpgsqlDbType.Jsonb);
        if (PostgresEventText.Query(query.Text) is { } text)
            Add("e.search @@ to_tsquery('simple', @text)", "text", text, NpgsqlDbType.Text);
        return clauses.Count == 0 ? "true" : string.Join(" AND ", clauses);
    }

    /// <summary>A tag as <c>tag_keys</c> holds it: in lower case (tags match ignoring case, as on SQLite).</summary>
    public static string TagKey(string tag) => tag.ToLowerInvariant();

    /// <summary>
    /// The output fields as <c>events.fields</c> holds them: each value as text (strings unquoted, the rest as compact
    /// JSON), null values left out; a field filter matches that text exactly.
    /// </summary>
    public static string Fields(FalcoAlert alert) => Json(w =>
    {
        w.WriteStartObject();
        if (alert.OutputFields is { } fields)
            foreach (var (key, value) in fields)
                if (AlertFields.ToText(value) is { } text) w.WriteString(key, PostgresEventWriter.Clean(text));
        w.WriteEndObject();
    });

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

    private static string Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer)) write(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
