using FalcoHook.Core.Rules.Language;
using YamlDotNet.Core;

namespace FalcoHook.Core.Rules.Loading;

/// <summary>
/// Text assembled from YAML scalars (a condition and what later files appended to it) that can say where any
/// of its characters came from. Generated text (exception clauses) points at the item that generated it.
/// </summary>
public sealed class LocatedText : ITextOrigin
{
    private readonly Segment[] _segments;

    private LocatedText(string text, Segment[] segments)
    {
        Text = text;
        _segments = segments;
    }

    public string Text { get; }

    public static LocatedText FromScalar(RulesFile file, YScalar scalar) =>
        new(scalar.Value, [new Segment(0, scalar.Value.Length, file, scalar, null)]);

    /// <summary>Text with no scalar behind it (generated, or given directly), located at <paramref name="at"/>.</summary>
    public static LocatedText Generated(string text, SourceLocation? at) =>
        new(text, [new Segment(0, text.Length, null, null, at)]);

    /// <summary>This text, then <paramref name="separator"/>, then <paramref name="other"/>.</summary>
    public LocatedText Append(string separator, LocatedText other)
    {
        var offset = Text.Length + separator.Length;
        var segments = new Segment[_segments.Length + other._segments.Length];
        _segments.CopyTo(segments, 0);
        for (var i = 0; i < other._segments.Length; i++)
            segments[_segments.Length + i] = other._segments[i] with { Start = other._segments[i].Start + offset };
        return new LocatedText(Text + separator + other.Text, segments);
    }

    /// <summary>Without trailing whitespace (Falco trims a rule's output; block scalars end with a newline).</summary>
    public LocatedText Trim()
    {
        var trimmed = Text.TrimEnd();
        var start = trimmed.Length - trimmed.TrimStart().Length;
        if (start == 0) return trimmed.Length == Text.Length ? this : new LocatedText(trimmed, _segments);
        var segments = _segments.Select(s => s with { Start = s.Start - start }).ToArray();
        // Keep the first segment's source offset by starting it inside its scalar.
        segments[0] = segments[0] with { Start = 0, Length = segments[0].Length - start, Skip = segments[0].Skip + start };
        return new LocatedText(trimmed.TrimStart(), segments);
    }

    public SourceLocation Locate(int offset)
    {
        var segment = _segments[0];
        foreach (var s in _segments)
        {
            if (s.Start <= offset) segment = s;
            else break;
        }
        if (segment.Scalar is null || segment.File is null)
            return segment.Fixed ?? new SourceLocation("<condition>", 1, offset + 1);
        var within = Math.Clamp(offset - segment.Start, 0, segment.Length) + segment.Skip;
        return segment.File.Locate(AlignToSource(segment.File.Text, segment.Scalar, within));
    }

    /// <summary>
    /// Finds the file index of character <paramref name="offset"/> of a scalar's value by walking the value and
    /// the raw YAML side by side: they agree on every character except folding whitespace, quotes and escapes.
    /// </summary>
    private static long AlignToSource(string source, YScalar scalar, int offset)
    {
        var value = scalar.Value;
        var j = (int)scalar.Start.Index;
        var end = (int)Math.Min(scalar.End.Index, source.Length);
        if (scalar.Style is ScalarStyle.Literal or ScalarStyle.Folded)
        {
            // Skip the indicator line ("|", ">-", ...).
            while (j < end && source[j] != '\n') j++;
        }
        else if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted) j++;
        var i = 0;
        while (i < offset && j < end)
        {
            if (value[i] == source[j]) { i++; j++; }
            else if (char.IsWhiteSpace(value[i])) i++;
            else j++;
        }
        while (j < end && i < value.Length && value[i] != source[j] && char.IsWhiteSpace(source[j])) j++;
        return j;
    }

    private readonly record struct Segment(int Start, int Length, RulesFile? File, YScalar? Scalar, SourceLocation? Fixed, int Skip = 0);
}
