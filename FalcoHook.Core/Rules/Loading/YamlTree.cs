using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace FalcoHook.Core.Rules.Loading;

/// <summary>A YAML node with the marks of where it starts and ends in its file.</summary>
public abstract class YNode(Mark start, Mark end)
{
    public Mark Start { get; } = start;
    public Mark End { get; } = end;
}

public sealed class YScalar(string value, ScalarStyle style, Mark start, Mark end) : YNode(start, end)
{
    public string Value { get; } = value;
    public ScalarStyle Style { get; } = style;

    /// <summary>YAML null: an empty or <c>~</c>/<c>null</c> plain scalar.</summary>
    public bool IsNull => Style == ScalarStyle.Plain && Value is "" or "~" or "null" or "Null" or "NULL";
}

public sealed class YSequence(List<YNode> items, Mark start, Mark end) : YNode(start, end)
{
    public List<YNode> Items { get; } = items;
}

public sealed class YMapping(List<KeyValuePair<YScalar, YNode>> entries, Mark start, Mark end) : YNode(start, end)
{
    /// <summary>Entries in document order; duplicate keys are kept so the loader can report them.</summary>
    public List<KeyValuePair<YScalar, YNode>> Entries { get; } = entries;
}

/// <summary>A YAML problem: syntax, a non-scalar key, or a document beyond a limit (size, depth, nodes).</summary>
public sealed class YamlTreeException(string message, Mark at) : Exception(message)
{
    public Mark At { get; } = at;
}

/// <summary>
/// Builds <see cref="YNode"/> trees from YamlDotNet's parser events, keeping every node's marks. Aliases are
/// resolved to the anchored node (shared, not copied) and the expanded size of every anchor is counted: a
/// document whose expansion exceeds <see cref="MaxExpandedNodes"/> ("billion laughs") is refused at once.
/// A text longer than <see cref="MaxDocumentChars"/> is refused before parsing, and nesting is refused at the
/// first level beyond <see cref="MaxDepth"/>, so every later walk of a tree (which may recurse) is shallow.
/// </summary>
public static class YamlTree
{
    public const long MaxExpandedNodes = 1_000_000;

    /// <summary>Sequences and mappings nested in each other at most (a rules file needs about 8).</summary>
    public const int MaxDepth = 100;

    /// <summary>The longest text read as YAML, in characters (8 MiB).</summary>
    public const int MaxDocumentChars = 8 * 1024 * 1024;

    /// <summary>Reads every document of <paramref name="text"/>; each document's root, null for an empty one.</summary>
    public static List<YNode?> Parse(string text, CancellationToken cancellationToken = default)
    {
        if (text.Length > MaxDocumentChars)
            throw new YamlTreeException($"the document is {text.Length:N0} characters long, more than the {MaxDocumentChars:N0} allowed; refused", Mark.Empty);
        var parser = new Parser(new StringReader(text));
        var documents = new List<YNode?>();
        var anchors = new Dictionary<string, (YNode Node, long Size)>(StringComparer.Ordinal);
        var stack = new Stack<Frame>();
        YNode? root = null;
        long rootSize = 0;

        var last = Mark.Empty;
        var events = 0;
        while (MoveNext(parser, last))
        {
            if ((++events & 4095) == 0) cancellationToken.ThrowIfCancellationRequested();
            var evt = parser.Current!;
            last = evt.End;
            switch (evt)
            {
                case StreamStart or StreamEnd:
                    break;
                case DocumentStart:
                    root = null;
                    rootSize = 0;
                    break;
                case DocumentEnd:
                    documents.Add(root);
                    anchors.Clear();
                    break;
                case Scalar scalar:
                {
                    var node = new YScalar(scalar.Value, scalar.Style, scalar.Start, scalar.End);
                    if (!scalar.Anchor.IsEmpty) anchors[scalar.Anchor.Value] = (node, 1);
                    Add(node, 1, evt.Start);
                    break;
                }
                case AnchorAlias alias:
                {
                    if (!anchors.TryGetValue(alias.Value.Value, out var anchored))
                        throw new YamlTreeException($"unknown alias '*{alias.Value.Value}'", alias.Start);
                    Add(anchored.Node, anchored.Size, alias.Start);
                    break;
                }
                case SequenceStart or MappingStart when stack.Count >= MaxDepth:
                    throw new YamlTreeException($"the document nests sequences and mappings deeper than {MaxDepth} levels; refused", evt.Start);
                case SequenceStart seq:
                    stack.Push(new Frame(seq.Anchor.IsEmpty ? null : seq.Anchor.Value, seq.Start, isMap: false));
                    break;
                case MappingStart map:
                    stack.Push(new Frame(map.Anchor.IsEmpty ? null : map.Anchor.Value, map.Start, isMap: true));
                    break;
                case SequenceEnd or MappingEnd:
                {
                    var frame = stack.Pop();
                    YNode node;
                    if (frame.IsMap)
                    {
                        if (frame.Items.Count % 2 != 0) throw new YamlTreeException("a mapping key has no value", evt.Start);
                        var entries = new List<KeyValuePair<YScalar, YNode>>(frame.Items.Count / 2);
                        for (var i = 0; i < frame.Items.Count; i += 2)
                        {
                            if (frame.Items[i] is not YScalar key)
                                throw new YamlTreeException("only plain keys are supported in rules files", frame.Items[i].Start);
                            entries.Add(new(key, frame.Items[i + 1]));
                        }
                        node = new YMapping(entries, frame.Start, evt.End);
                    }
                    else node = new YSequence(frame.Items, frame.Start, evt.End);
                    if (frame.Anchor is not null) anchors[frame.Anchor] = (node, frame.Size);
                    Add(node, frame.Size, frame.Start);
                    break;
                }
            }
        }
        return documents;

        void Add(YNode node, long size, Mark at)
        {
            if (stack.Count == 0)
            {
                root = node;
                rootSize += size;
                if (rootSize > MaxExpandedNodes) throw TooBig(at);
                return;
            }
            var top = stack.Peek();
            top.Items.Add(node);
            top.Size += size;
            if (top.Size > MaxExpandedNodes) throw TooBig(at);
        }
    }

    /// <summary>YamlDotNet reports most syntax errors as <see cref="YamlException"/>, a few as other exceptions:
    /// those become errors at the last position it read, never a crash.</summary>
    private static bool MoveNext(Parser parser, Mark last)
    {
        try
        {
            return parser.MoveNext();
        }
        catch (Exception e) when (e is not YamlException and not OutOfMemoryException)
        {
            throw new YamlTreeException($"invalid YAML: cannot be parsed past this point ({e.Message})", last);
        }
    }

    private static YamlTreeException TooBig(Mark at) =>
        new($"the document expands to more than {MaxExpandedNodes:N0} nodes through aliases; refused", at);

    private sealed class Frame(string? anchor, Mark start, bool isMap)
    {
        public string? Anchor { get; } = anchor;
        public Mark Start { get; } = start;
        public bool IsMap { get; } = isMap;
        public List<YNode> Items { get; } = [];
        public long Size { get; set; } = 1;
    }
}
