using System.Text;

namespace FalcoHook.Core.Silences;

/// <summary>
/// Alertmanager's matcher syntax: <c>name="value"</c>, <c>name!="value"</c>, <c>name=~"regex"</c>,
/// <c>name!~"regex"</c>. The value may be double-quoted (with <c>\"</c>, <c>\\</c> and <c>\n</c> escapes) or bare;
/// a list is comma-separated and may be wrapped in braces (<c>{alertname="X", hostname=~"node-.*"}</c>). The name is a
/// label or a Falco field (<see cref="SilenceMatcher"/>).
/// </summary>
public static class MatcherText
{
    /// <summary>One matcher, or false with the reason.</summary>
    public static bool TryParse(string text, out SilenceMatcher? matcher, out string? error)
    {
        matcher = null;
        var position = 0;
        if (!TryParseAt(text, ref position, out matcher, out error)) return false;
        SkipSpaces(text, ref position);
        if (position == text.Length) return true;
        matcher = null;
        error = $"Unexpected '{text[position..]}' after the matcher.";
        return false;
    }

    /// <summary>A comma-separated list, optionally in braces; an empty list is an error.</summary>
    public static bool TryParseList(string text, out IReadOnlyList<SilenceMatcher> matchers, out string? error)
    {
        matchers = [];
        var body = text.Trim();
        if (body.StartsWith('{') && body.EndsWith('}')) body = body[1..^1];
        var list = new List<SilenceMatcher>();
        var position = 0;
        while (true)
        {
            if (!TryParseAt(body, ref position, out var matcher, out error)) return false;
            list.Add(matcher!);
            SkipSpaces(body, ref position);
            if (position == body.Length) break;
            if (body[position] != ',')
            {
                error = $"Expected ',' between matchers at '{body[position..]}'.";
                return false;
            }
            position++;
            SkipSpaces(body, ref position);
            if (position == body.Length) break; // a trailing comma
        }
        matchers = list;
        return true;
    }

    /// <summary>The matcher as Alertmanager writes it: <c>name=~"value"</c>, the value quoted and escaped.</summary>
    public static string Format(SilenceMatcher matcher) =>
        $"{matcher.Name}{SilenceMatcher.ToSymbol(matcher.Operator)}\"{matcher.Value.Replace("\\", "\\\\").Replace("\"", "\\\"").Replace("\n", "\\n")}\"";

    private static bool TryParseAt(string text, ref int position, out SilenceMatcher? matcher, out string? error)
    {
        matcher = null;
        SkipSpaces(text, ref position);
        var nameStart = position;
        while (position < text.Length && text[position] is not ('=' or '!' or '~' or ',' or '"') && !char.IsWhiteSpace(text[position])) position++;
        var name = text[nameStart..position];
        SkipSpaces(text, ref position);
        if (name.Length == 0)
        {
            error = $"A matcher needs a name before its operator: '{text}'.";
            return false;
        }
        var rest = text.AsSpan(position);
        string symbol = rest.StartsWith("=~") ? "=~" : rest.StartsWith("!~") ? "!~" : rest.StartsWith("!=") ? "!=" : rest.StartsWith("=") ? "=" : "";
        if (symbol.Length == 0 || !SilenceMatcher.TryParseOperator(symbol, out var op))
        {
            error = $"Expected =, !=, =~ or !~ after '{name}'.";
            return false;
        }
        position += symbol.Length;
        SkipSpaces(text, ref position);
        string value;
        if (position < text.Length && text[position] == '"')
        {
            if (!TryReadQuoted(text, ref position, out value, out error)) return false;
        }
        else
        {
            var valueStart = position;
            while (position < text.Length && text[position] != ',') position++;
            value = text[valueStart..position].TrimEnd();
        }
        return SilenceMatcher.TryCreate(name, op, value, out matcher, out error);
    }

    private static bool TryReadQuoted(string text, ref int position, out string value, out string? error)
    {
        var builder = new StringBuilder();
        position++; // the opening quote
        while (position < text.Length)
        {
            var c = text[position++];
            if (c == '"')
            {
                value = builder.ToString();
                error = null;
                return true;
            }
            if (c == '\\' && position < text.Length)
            {
                var escaped = text[position++];
                builder.Append(escaped switch { 'n' => '\n', 't' => '\t', _ => escaped });
                continue;
            }
            builder.Append(c);
        }
        value = "";
        error = "A quoted value has no closing '\"'.";
        return false;
    }

    private static void SkipSpaces(string text, ref int position)
    {
        while (position < text.Length && char.IsWhiteSpace(text[position])) position++;
    }
}
