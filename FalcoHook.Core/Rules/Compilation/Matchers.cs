using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace FalcoHook.Core.Rules.Compilation;

/// <summary>A precompiled comparison of one extracted value against the right-hand side.</summary>
internal abstract class Matcher
{
    public abstract bool Match(string value);
}

internal sealed class EqualsMatcher(string rhs) : Matcher
{
    public string Value => rhs;

    public override bool Match(string value) => string.Equals(value, rhs, StringComparison.Ordinal);
}

internal sealed class NotEqualsMatcher(string rhs) : Matcher
{
    public override bool Match(string value) => !string.Equals(value, rhs, StringComparison.Ordinal);
}

internal sealed class ContainsMatcher(string rhs, StringComparison comparison) : Matcher
{
    public override bool Match(string value) => value.Contains(rhs, comparison);
}

internal sealed class StartsWithMatcher(string rhs) : Matcher
{
    public override bool Match(string value) => value.StartsWith(rhs, StringComparison.Ordinal);
}

internal sealed class EndsWithMatcher(string rhs) : Matcher
{
    public override bool Match(string value) => value.EndsWith(rhs, StringComparison.Ordinal);
}

/// <summary><c>bcontains</c>/<c>bstartswith</c>: the right side is hex bytes, compared with the value's UTF-8 bytes.</summary>
internal sealed class BytesMatcher(byte[] rhs, bool startsWith) : Matcher
{
    public override bool Match(string value)
    {
        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = null;
        var buffer = max <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var bytes = buffer[..Encoding.UTF8.GetBytes(value, buffer)];
            return startsWith ? bytes.StartsWith(rhs) : bytes.IndexOf(rhs) >= 0;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }
}

internal sealed class GlobMatcher(string pattern, bool ignoreCase) : Matcher
{
    public override bool Match(string value) => Glob.IsMatch(pattern, value, ignoreCase);
}

/// <summary>
/// <c>regex</c>. libsinsp matches with RE2 anchored at both ends (<c>ANCHOR_BOTH</c>: the whole value must
/// match, not a substring), so the pattern is anchored here too. .NET's NonBacktracking engine keeps matching
/// linear in the input, like RE2, so no match timeout is needed (and none can throw during evaluation).
/// </summary>
internal sealed class RegexMatcher(Regex regex) : Matcher
{
    public override bool Match(string value) => regex.IsMatch(value);

    public static Regex Create(string pattern) =>
        new(@"\A(?:" + pattern + @")\z", RegexOptions.NonBacktracking | RegexOptions.CultureInvariant, Regex.InfiniteMatchTimeout);
}

/// <summary><c>&lt; &lt;= &gt; &gt;=</c>: the value's text is parsed as a number; a value that is not one never matches.</summary>
internal sealed class NumericMatcher(string op, Number rhs) : Matcher
{
    public override bool Match(string value) => Number.TryParse(value, out var n) && Number.Compare(op, n, rhs);
}

/// <summary><c>pmatch</c>: some item is a path prefix of the value, component by component (items may be globs).</summary>
internal sealed class PathPrefixMatcher : Matcher
{
    private readonly string[][] _items;

    public PathPrefixMatcher(IEnumerable<string> items) =>
        _items = items.Select(i => i.Split('/', StringSplitOptions.RemoveEmptyEntries)).ToArray();

    public override bool Match(string value)
    {
        foreach (var item in _items)
            if (IsPrefix(item, value)) return true;
        return false;
    }

    private static bool IsPrefix(string[] components, string value)
    {
        var span = value.AsSpan();
        var index = 0;
        foreach (var range in span.Split('/'))
        {
            if (index == components.Length) return true;
            var part = span[range];
            if (part.IsEmpty) continue;
            var component = components[index];
            if (!(component.AsSpan().IndexOfAny("*?[") >= 0 ? Glob.IsMatch(component, part.ToString(), false) : part.SequenceEqual(component)))
                return false;
            index++;
        }
        return index == components.Length;
    }
}

/// <summary>A number parsed from rule text or a field value: integers exactly (decimal or 0x hex), else a double.</summary>
internal readonly record struct Number(long Integer, double Real, bool IsInteger)
{
    public static bool TryParse(ReadOnlySpan<char> text, out Number number)
    {
        number = default;
        text = text.Trim();
        if (text.IsEmpty) return false;
        var negative = text[0] == '-';
        var digits = negative || text[0] == '+' ? text[1..] : text;
        if (digits.Length > 2 && digits[0] == '0' && digits[1] is 'x' or 'X')
        {
            if (!long.TryParse(digits[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var hex)) return false;
            number = new Number(negative ? -hex : hex, negative ? -hex : hex, true);
            return true;
        }
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            number = new Number(integer, integer, true);
            return true;
        }
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
        {
            number = new Number(0, real, false);
            return true;
        }
        return false;
    }

    public static bool Compare(string op, Number left, Number right)
    {
        var c = left.IsInteger && right.IsInteger ? left.Integer.CompareTo(right.Integer) : left.Real.CompareTo(right.Real);
        return op switch
        {
            "<" => c < 0,
            "<=" => c <= 0,
            ">" => c > 0,
            ">=" => c >= 0,
            "=" or "==" => c == 0,
            "!=" => c != 0,
            _ => false,
        };
    }
}

/// <summary>Shell-style glob as fnmatch without flags: <c>*</c> (also across <c>/</c>), <c>?</c>, <c>[a-z]</c>, <c>[!x]</c>, <c>\x</c>.</summary>
internal static class Glob
{
    public static bool IsMatch(string pattern, string text, bool ignoreCase)
    {
        int p = 0, t = 0, starP = -1, starT = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length)
            {
                var c = pattern[p];
                if (c == '*')
                {
                    starP = p++;
                    starT = t;
                    continue;
                }
                if (c == '?') { p++; t++; continue; }
                if (c == '[' && TryClass(pattern, p, text[t], ignoreCase, out var matched, out var next))
                {
                    if (matched) { p = next; t++; continue; }
                }
                else
                {
                    var q = p;
                    if (c == '\\' && q + 1 < pattern.Length) c = pattern[++q];
                    if (Same(c, text[t], ignoreCase)) { p = q + 1; t++; continue; }
                }
            }
            if (starP < 0) return false;
            p = starP + 1;
            t = ++starT;
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    private static bool Same(char a, char b, bool ignoreCase) =>
        a == b || (ignoreCase && char.ToLowerInvariant(a) == char.ToLowerInvariant(b));

    /// <summary>Matches a bracket class at <paramref name="start"/>; false when it is not a complete class (then '[' is literal).</summary>
    private static bool TryClass(string pattern, int start, char ch, bool ignoreCase, out bool matched, out int next)
    {
        matched = false;
        next = start;
        var i = start + 1;
        var negate = i < pattern.Length && pattern[i] is '!' or '^';
        if (negate) i++;
        var first = true;
        var found = false;
        while (i < pattern.Length && (pattern[i] != ']' || first))
        {
            first = false;
            var lo = pattern[i];
            if (lo == '\\' && i + 1 < pattern.Length) lo = pattern[++i];
            if (i + 2 < pattern.Length && pattern[i + 1] == '-' && pattern[i + 2] != ']')
            {
                var hi = pattern[i + 2];
                if (InRange(ch, lo, hi) || (ignoreCase && (InRange(char.ToLowerInvariant(ch), lo, hi) || InRange(char.ToUpperInvariant(ch), lo, hi))))
                    found = true;
                i += 3;
            }
            else
            {
                if (Same(lo, ch, ignoreCase)) found = true;
                i++;
            }
        }
        if (i >= pattern.Length) return false;
        matched = found != negate;
        next = i + 1;
        return true;
    }

    private static bool InRange(char c, char lo, char hi) => c >= lo && c <= hi;
}
