using System.Globalization;
using System.Text;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Events.Sqlite;

/// <summary>
/// The exact filters of an event as search tokens: each (filter, value) pair hashed into one word of the FTS
/// <c>keys</c> column, so a filter on a field, tag, rule, host, namespace or minimum priority reads one posting list instead of the
/// rows. A token is <c>k</c> and 16 hex digits of the 64-bit FNV-1a hash of the filter's letter and value; a collision
/// (about one in 10^19 for a pair of values) would let an event through a filter it does not match.
/// </summary>
internal static class SqliteEventTokens
{
    public static string Rule(string rule) => Token('r', rule);
    public static string Source(string source) => Token('s', source);
    public static string Hostname(string hostname) => Token('h', hostname);
    public static string Namespace(string ns) => Token('n', ns);

    /// <summary>Tags match ignoring case.</summary>
    public static string Tag(string tag) => Token('t', tag.ToLowerInvariant());

    /// <summary>An event of priority P has the tokens of every minimum from Informational up to P (Debug filters nothing).</summary>
    public static string MinimumPriority(Priority priority) => Token('p', ((int)priority).ToString(CultureInfo.InvariantCulture));

    public static string Field(string key, string value) => Token('f', key + "\0" + value);

    /// <summary>True when a field filter can use <see cref="Field"/>: its key is indexed and its value is not empty.</summary>
    public static bool Indexed(string key, string value) => value.Length > 0 && !AlertFields.IsPerEventField(key);

    /// <summary>The <c>keys</c> text of an alert: its tokens, space separated.</summary>
    public static string Keys(FalcoAlert alert)
    {
        var keys = new StringBuilder(512);
        void Add(string token) => keys.Append(token).Append(' ');
        Add(Rule(alert.Rule));
        if (!string.IsNullOrEmpty(alert.Source)) Add(Source(alert.Source));
        if (!string.IsNullOrEmpty(alert.Hostname)) Add(Hostname(alert.Hostname));
        if (EventJson.Namespace(alert) is { Length: > 0 } ns) Add(Namespace(ns));
        for (var p = Priority.Informational; p <= alert.Priority; p++) Add(MinimumPriority(p));
        foreach (var tag in alert.Tags.Select(t => t.ToLowerInvariant()).Distinct(StringComparer.Ordinal)) Add(Token('t', tag));
        if (alert.OutputFields is not null)
        {
            foreach (var (key, value) in alert.OutputFields)
            {
                var text = AlertFields.ToText(value) ?? "";
                if (Indexed(key, text)) Add(Field(key, text));
            }
        }
        return keys.ToString();
    }

    private static string Token(char kind, string value)
    {
        var hash = 14695981039346656037UL;
        hash = (hash ^ kind) * 1099511628211UL;
        foreach (var b in Encoding.UTF8.GetBytes(value)) hash = (hash ^ b) * 1099511628211UL;
        return "k" + hash.ToString("x16", CultureInfo.InvariantCulture);
    }
}
