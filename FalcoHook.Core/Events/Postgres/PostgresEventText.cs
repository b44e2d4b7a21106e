using System.Globalization;
using System.Text;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Events.Postgres;

/// <summary>
/// The words of the history's free text, split as SQLite's FTS5 <c>unicode61</c> tokenizer splits them (letters,
/// digits and private-use characters make words, everything else separates them; diacritics removed, lower case), so
/// both providers find the same events. PostgreSQL's own parser would keep <c>/etc/shadow</c> or <c>a-b</c> as one
/// token; fed these words separated by spaces, it sees only plain words.
/// </summary>
internal static class PostgresEventText
{
    /// <summary>
    /// The searchable text of an event: the words of the rule, of the output and of the output field values, one line
    /// each (<c>events.search_text</c>; the <c>search</c> column weighs the lines A, B and C).
    /// </summary>
    public static string Document(FalcoAlert alert) =>
        string.Join(' ', Words(alert.Rule)) + "\n" + string.Join(' ', Words(alert.Output)) + "\n" +
        string.Join(' ', Words(EventJson.SearchText(alert).Values));

    /// <summary>
    /// The <c>to_tsquery</c> text for free text: every word must occur; a word of several tokens (<c>/etc/shadow</c>) is a
    /// phrase inside one of the three lines; <c>word*</c> makes its last token a prefix. Null when no word has a token.
    /// </summary>
    public static string? Query(string? text)
    {
        var parts = new List<string>();
        foreach (var word in (text ?? "").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var prefix = word.EndsWith('*');
            var tokens = Words(prefix ? word[..^1] : word);
            if (tokens.Count == 0) continue;
            if (tokens.Count == 1)
            {
                parts.Add(Lexeme(tokens[0], prefix ? ":*" : ""));
                continue;
            }
            // A phrase must not run from one line into the next (FTS5 phrases stay inside a column).
            var lines = "ABC".Select(weight => "(" + string.Join(" <-> ", tokens.Select((t, i) =>
                Lexeme(t, (prefix && i == tokens.Count - 1 ? ":*" : ":") + weight))) + ")");
            parts.Add("(" + string.Join(" | ", lines) + ")");
        }
        return parts.Count == 0 ? null : string.Join(" & ", parts);
    }

    /// <summary>The words of <paramref name="text"/>, in order.</summary>
    public static List<string> Words(string? text)
    {
        var words = new List<string>();
        if (string.IsNullOrEmpty(text)) return words;
        var current = new StringBuilder();
        foreach (var rune in RemoveDiacritics(text).EnumerateRunes())
        {
            if (IsWordRune(rune)) current.Append(Rune.ToLowerInvariant(rune).ToString());
            else Flush();
        }
        Flush();
        return words;

        void Flush()
        {
            if (current.Length == 0) return;
            words.Add(current.ToString());
            current.Clear();
        }
    }

    private static string Lexeme(string token, string suffix) => "'" + token + "'" + suffix;

    private static bool IsWordRune(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter or
        UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber or
        UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber or UnicodeCategory.PrivateUse => true,
        _ => false,
    };

    /// <summary>
    /// Latin letters with diacritics (Latin-1 and Latin Extended-A) as their base letter, combining marks dropped, as
    /// <c>remove_diacritics 2</c> does; by table, since the service runs without ICU (invariant globalization).
    /// </summary>
    private static string RemoveDiacritics(string text)
    {
        if (text.All(char.IsAscii)) return text;
        var folded = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is >= '\u0300' and <= '\u036F') continue;
            folded.Append(c is >= '\u00C0' and <= '\u017F' && Bases[c - '\u00C0'] is var b && b != '.' ? b : c);
        }
        return folded.ToString();
    }

    /// <summary>The base letter of U+00C0 to U+017F, in lower case; '.' where the letter has none (Æ, Ø, ß, Đ, Ł…) or is not a letter.</summary>
    private const string Bases =
        "aaaaaa.ceeeeiiii.nooooo..uuuuy.." + // U+00C0–U+00DF
        "aaaaaa.ceeeeiiii.nooooo..uuuuy.y" + // U+00E0–U+00FF
        "aaaaaaccccccccdd..eeeeeeeeeegggg" + // U+0100–U+011F
        "gggghh..iiiiiiiii...jjkk.llllll." + // U+0120–U+013F
        "...nnnnnn...oooooo..rrrrrrssssss" + // U+0140–U+015F
        "sstttt..uuuuuuuuuuuuwwyyyzzzzzz."; // U+0160–U+017F
}
