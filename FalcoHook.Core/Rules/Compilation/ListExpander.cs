using System.Text;
using FalcoHook.Core.Rules.Language;

namespace FalcoHook.Core.Rules.Compilation;

/// <summary>
/// Falco's list substitution: before a condition is parsed, each whole-word occurrence of a list name
/// (bounded by whitespace, the ends, or one of <c>(),=</c>) is replaced by the list's items joined with
/// <c>", "</c>, items with spaces double-quoted. An empty list also removes the comma next to it. After
/// <c>in</c>/<c>intersects</c>/<c>pmatch</c> without parentheses the items are parenthesised. A text that would
/// grow beyond <see cref="ConditionParser.MaxLength"/> is refused at the list that makes it too long, before
/// that list is written out.
/// </summary>
public static class ListExpander
{
    /// <summary>Throws <see cref="ConditionSyntaxException"/> (at the list's name) when the text grows too long.</summary>
    public static ExpandedText Expand(string text, ITextOrigin? origin, Dictionary<string, string[]> lists, ISet<string>? used = null)
    {
        if (lists.Count == 0) return new ExpandedText(text, origin, []);
        StringBuilder? sb = null;
        var map = new List<ExpandedText.Replacement>();
        var copied = 0;
        var i = 0;
        while (i < text.Length)
        {
            if (IsDelimiter(text[i])) { i++; continue; }
            var start = i;
            while (i < text.Length && !IsDelimiter(text[i])) i++;
            if (start > 0 && !IsDelimiter(text[start - 1])) continue;
            var token = text.AsSpan(start, i - start);
            if (!lists.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(token, out var name, out var items)) continue;
            used?.Add(name);

            sb ??= new StringBuilder(text.Length + 64);
            sb.Append(text, copied, start - copied);
            var end = i;
            var replaceFrom = start;
            string replacement;
            if (items.Length == 0)
            {
                replacement = "";
                var after = end;
                while (after < text.Length && char.IsWhiteSpace(text[after])) after++;
                if (after < text.Length && text[after] == ',') end = after + 1;
                else
                {
                    var trimmed = sb.Length;
                    while (trimmed > 0 && char.IsWhiteSpace(sb[trimmed - 1])) trimmed--;
                    if (trimmed > 0 && sb[trimmed - 1] == ',')
                    {
                        replaceFrom -= sb.Length - (trimmed - 1);
                        sb.Length = trimmed - 1;
                    }
                }
            }
            else
            {
                if (sb.Length + JoinedLength(items) + 2 + (text.Length - end) > ConditionParser.MaxLength)
                {
                    throw new ConditionSyntaxException($"the condition grows beyond {ConditionParser.MaxLength:N0} characters once " +
                                                       $"list '{name}' ({items.Length:N0} items) is substituted", new TextPos(origin, start));
                }
                replacement = string.Join(", ", items.Select(QuoteItem));
                if (FollowsListOperator(text, start)) replacement = "(" + replacement + ")";
            }
            map.Add(new ExpandedText.Replacement(sb.Length, replacement.Length, replaceFrom, end - replaceFrom));
            sb.Append(replacement);
            copied = end;
            i = end;
        }
        if (sb is null) return new ExpandedText(text, origin, []);
        sb.Append(text, copied, text.Length - copied);
        return new ExpandedText(sb.ToString(), origin, map);
    }

    /// <summary>As Falco's <c>quote_item</c>: an item with a space that is not already quoted gets double quotes.</summary>
    public static string QuoteItem(string item)
    {
        if (item.Length > 0 && item[0] is '"' or '\'') return item;
        if (item.AsSpan().IndexOfAny(" \t") < 0) return item;
        return "\"" + item.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"";
    }

    /// <summary>The length of the items as substituted (quoted where needed, comma-separated), without building them.</summary>
    private static long JoinedLength(string[] items)
    {
        long length = 2L * Math.Max(0, items.Length - 1);
        foreach (var item in items)
        {
            length += item.Length;
            if (item.Length > 0 && item[0] is '"' or '\'') continue;
            if (item.AsSpan().IndexOfAny(" \t") < 0) continue;
            length += 2 + item.AsSpan().Count('\\') + item.AsSpan().Count('"');
        }
        return length;
    }

    private static bool IsDelimiter(char c) => char.IsWhiteSpace(c) || c is '(' or ')' or ',' or '=';

    private static bool FollowsListOperator(string text, int start)
    {
        var j = start - 1;
        while (j >= 0 && char.IsWhiteSpace(text[j])) j--;
        if (j < 0 || j == start - 1) return false;
        var end = j + 1;
        while (j >= 0 && char.IsAsciiLetter(text[j])) j--;
        var word = text.AsSpan(j + 1, end - j - 1);
        return word is "in" or "intersects" or "pmatch";
    }
}

/// <summary>A condition after list substitution, mapping its offsets back to the text before it.</summary>
public sealed class ExpandedText(string text, ITextOrigin? inner, List<ExpandedText.Replacement> replacements) : ITextOrigin
{
    public readonly record struct Replacement(int NewStart, int NewLength, int OldStart, int OldLength);

    public string Text { get; } = text;

    public SourceLocation Locate(int offset)
    {
        var delta = 0;
        foreach (var r in replacements)
        {
            if (offset < r.NewStart) break;
            if (offset < r.NewStart + r.NewLength) return LocateOld(r.OldStart);
            delta = r.NewStart + r.NewLength - (r.OldStart + r.OldLength);
        }
        return LocateOld(offset - delta);
    }

    private SourceLocation LocateOld(int offset) =>
        inner?.Locate(offset) ?? new SourceLocation("<condition>", 1, offset + 1);
}
