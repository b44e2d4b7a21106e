using System.Globalization;
using System.Text;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Destinations;

/// <summary>
/// What every chat message shows, whatever its markup: the priority's colour and emoji, the facts (priority, rule,
/// source, host, the important output fields, tags) and a storm summary's count, span and samples.
/// </summary>
public static class ChatFormat
{
    /// <summary>The Falco output fields shown first, by label: the first key present wins.</summary>
    public static readonly IReadOnlyList<(string Label, string[] Keys)> ImportantFields =
    [
        ("Container", ["container.name", "container.id"]),
        ("Pod", ["k8s.pod.name"]),
        ("Namespace", ["k8s.ns.name", "ka.target.namespace"]),
        ("User", ["user.name", "ka.user.name"]),
        ("Command", ["proc.cmdline", "proc.name"]),
    ];

    /// <summary>The palette of the Slack message, <c>#rrggbb</c>.</summary>
    public static string Color(Priority priority) => priority switch
    {
        Priority.Emergency => "#e20b0b",
        Priority.Alert or Priority.Critical => "#ff5400",
        Priority.Error => "#e20b0b",
        Priority.Warning => "#ffc700",
        Priority.Notice => "#5bffb5",
        Priority.Informational => "#68c2ff",
        _ => "#ccfff2",
    };

    /// <summary>For chats without a colour bar.</summary>
    public static string Emoji(Priority priority) => priority switch
    {
        Priority.Emergency or Priority.Alert or Priority.Critical => "🔴",
        Priority.Error => "🟠",
        Priority.Warning => "🟡",
        Priority.Notice => "🟢",
        Priority.Informational => "🔵",
        _ => "⚪",
    };

    /// <summary>The important output fields the alert has (<c>&lt;NA&gt;</c> and empty values left out): label, key, value.</summary>
    public static List<(string Label, string Key, string Value)> Important(FalcoAlert alert)
    {
        var found = new List<(string, string, string)>();
        foreach (var (label, keys) in ImportantFields)
            foreach (var key in keys)
                if (alert.OutputFields?.TryGetValue(key, out var value) == true && Text(value) is { Length: > 0 } text && text != "<NA>")
                {
                    found.Add((label, key, text));
                    break;
                }
        return found;
    }

    /// <summary>Priority, rule, source, host, the important fields and the tags, in that order.</summary>
    public static List<(string Name, string Value)> Facts(Notification notification)
    {
        var alert = notification.Alert;
        var facts = new List<(string, string)>
        {
            ("Priority", alert.Priority.ToFalcoString()),
            ("Rule", alert.Rule),
            ("Source", alert.Source ?? "syscall"),
            ("Hostname", alert.Hostname ?? "-"),
        };
        facts.AddRange(Important(alert).Select(f => (f.Label, f.Value)));
        if (alert.Tags.Count > 0) facts.Add(("Tags", string.Join(", ", alert.Tags)));
        return facts;
    }

    /// <summary><c>42 alerts from … to …</c>.</summary>
    public static string StormLine(AlertDigest digest) =>
        string.Create(CultureInfo.InvariantCulture, $"{digest.Count} alerts from {digest.FirstSeen} to {digest.LastSeen}");

    /// <summary>The group key and the sampled values per field: <c>(proc.name, "sh, bash")</c>.</summary>
    public static List<(string Name, string Value)> StormFacts(AlertDigest digest)
    {
        var facts = digest.GroupKey.Select(g => (g.Key, g.Value)).ToList();
        facts.AddRange(digest.Samples.Select(s => (s.Key, string.Join(", ", s.Value))));
        return facts;
    }

    public static string Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString() ?? "",
        JsonValueKind.Null => "null",
        _ => value.GetRawText(),
    };

    /// <summary>
    /// A backslash before each CommonMark punctuation character that could start formatting, a link or a mention, so
    /// text shows as written in Markdown chats (Mattermost, Rocket.Chat, Webex, Teams).
    /// </summary>
    public static string EscapeMarkdown(string text)
    {
        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (c is '\\' or '*' or '_' or '~' or '`' or '|' or '[' or ']' or '<' or '>' or '#' or '@') escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }

    /// <summary>
    /// Text for an Adaptive Card <c>TextBlock</c> or <c>FactSet</c> (Teams, Webex), whose Markdown subset has emphasis
    /// (<c>*</c>, <c>_</c>), links (<c>[text](url)</c>) and lists (a line starting <c>- </c>, <c>+ </c>, <c>* </c> or
    /// <c>1. </c>): a backslash before <c>\</c>, <c>*</c>, <c>_</c>, <c>[</c>, <c>]</c> and before a list marker, so
    /// the text shows as written and nothing else gains a backslash.
    /// </summary>
    public static string EscapeAdaptiveCard(string text)
    {
        var escaped = new StringBuilder(text.Length + 16);
        var lineStart = 0;
        while (lineStart <= text.Length)
        {
            var end = text.IndexOf('\n', lineStart);
            if (end < 0) end = text.Length;
            var first = lineStart;
            while (first < end && text[first] == ' ') first++;
            var marker = -1; // the index of a list marker's character to escape
            if (first + 1 < end && text[first] is '-' or '+' && text[first + 1] == ' ') marker = first;
            else
            {
                var digits = first;
                while (digits < end && char.IsAsciiDigit(text[digits])) digits++;
                if (digits > first && digits + 1 < end && text[digits] is '.' or ')' && text[digits + 1] == ' ') marker = digits;
            }
            for (var i = lineStart; i < end; i++)
            {
                var c = text[i];
                if (i == marker || c is '\\' or '*' or '_' or '[' or ']') escaped.Append('\\');
                escaped.Append(c);
            }
            if (end < text.Length) escaped.Append('\n');
            lineStart = end + 1;
        }
        return escaped.ToString();
    }

    /// <summary><c>&amp;</c>, <c>&lt;</c>, <c>&gt;</c> and <c>&quot;</c> as entities: text in an HTML subset (Telegram, Google Chat cards).</summary>
    public static string EscapeHtml(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal)
        .Replace(">", "&gt;", StringComparison.Ordinal).Replace("\"", "&quot;", StringComparison.Ordinal);

    /// <summary>A cut of backslash-escaped text that ended right after an escaping backslash drops it (it would escape the "…").</summary>
    public static string DropDanglingEscape(string cut)
    {
        if (!cut.EndsWith('…')) return cut;
        var backslashes = 0;
        for (var i = cut.Length - 2; i >= 0 && cut[i] == '\\'; i--) backslashes++;
        return backslashes % 2 == 1 ? cut[..^2] + "…" : cut;
    }

    /// <summary>Cuts to <paramref name="max"/> UTF-16 units, the last being "…", never between a surrogate pair.</summary>
    public static string Cut(string text, int max)
    {
        if (text.Length <= max) return text;
        if (max <= 1) return max == 1 ? "…" : "";
        var end = max - 1;
        if (char.IsHighSurrogate(text[end - 1])) end--;
        return text[..end] + "…";
    }

    /// <summary>Cuts to at most <paramref name="maxBytes"/> bytes of UTF-8, the last character being "…".</summary>
    public static string CutUtf8(string text, int maxBytes)
    {
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes) return text;
        var budget = maxBytes - 3; // "…" is three bytes
        var end = 0;
        var used = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (used + rune.Utf8SequenceLength > budget) break;
            used += rune.Utf8SequenceLength;
            end += rune.Utf16SequenceLength;
        }
        return text[..end] + "…";
    }
}
