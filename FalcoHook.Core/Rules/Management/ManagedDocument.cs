using System.Text;
using FalcoHook.Core.Rules.Loading;
using YamlDotNet.Core;

namespace FalcoHook.Core.Rules.Management;

/// <summary>
/// The rules written through the API: one Falco rules document loaded after the files of
/// <c>FalcoHook:Rules:Paths</c>, kept in storage with a version that every change increments. Immutable: a
/// change makes a new document. Items are unique by (kind, name) except for imported documents, which are kept
/// as written; edits address the last item of a name.
/// </summary>
public sealed class ManagedDocument
{
    /// <summary>The name the managed document has in diagnostics (<c>managed-rules.yaml:12:5</c>).</summary>
    public const string FileName = "managed-rules.yaml";

    public static ManagedDocument Empty { get; } = new(0, []);

    public ManagedDocument(long version, IReadOnlyList<ManagedItem> items)
    {
        Version = version;
        Items = items;
    }

    public long Version { get; }
    public IReadOnlyList<ManagedItem> Items { get; }

    public ManagedItem? Find(ItemKind kind, string name) => Items.LastOrDefault(i => i.Kind == kind && i.Name == name);

    public string ToYaml()
    {
        if (Items.Count == 0) return "[]\n";
        var text = new StringBuilder();
        text.Append("# FalcoHook managed rules (written through /api/v1): loaded after the rules files.\n");
        foreach (var item in Items) YamlWriter.WriteItem(text, item.Body);
        return text.ToString();
    }

    public RulesFile ToRulesFile() => new(FileName, ToYaml());

    /// <summary>
    /// Puts <paramref name="item"/> where the first item of its kind and name is, removing any later ones (an
    /// imported definition's appends), or appends it when there is none.
    /// </summary>
    public ManagedDocument Set(ManagedItem item)
    {
        var items = Items.ToList();
        var i = items.FindIndex(x => x.Kind == item.Kind && x.Name == item.Name);
        if (i < 0) return new ManagedDocument(Version, [.. items, item]);
        items[i] = item;
        return new ManagedDocument(Version, items.Where((x, j) => j <= i || !(x.Kind == item.Kind && x.Name == item.Name)).ToList());
    }

    /// <summary>Changes the first item of this kind and name only (later appends stay).</summary>
    public ManagedDocument Update(ItemKind kind, string name, Func<ManagedItem, ManagedItem> change)
    {
        var items = Items.ToList();
        var i = items.FindIndex(x => x.Kind == kind && x.Name == name);
        if (i >= 0) items[i] = change(items[i]);
        return new ManagedDocument(Version, items);
    }

    /// <summary>Removes every item of this kind and name.</summary>
    public ManagedDocument Remove(ItemKind kind, string name) =>
        new(Version, Items.Where(x => !(x.Kind == kind && x.Name == name)).ToList());

    public ManagedDocument WithVersion(long version) => new(version, Items);

    /// <summary>
    /// Reads a rules document into items. YAML that does not parse or is beyond <see cref="YamlTree"/>'s limits,
    /// or a top level that is not a sequence of mappings, gives error diagnostics (with line and column in
    /// <paramref name="fileName"/>) and no document. With <paramref name="checkNames"/>, so does a rule, macro or
    /// list name the API could not address (<see cref="ItemNames"/>).
    /// </summary>
    public static ManagedDocument? Parse(string yaml, long version, string fileName, List<RuleDiagnostic> errors,
        bool checkNames = false, CancellationToken cancellationToken = default)
    {
        var before = errors.Count;
        List<YNode?> documents;
        try
        {
            documents = YamlTree.Parse(yaml, cancellationToken);
        }
        catch (YamlException e)
        {
            errors.Add(Error(fileName, e.Start, "invalid YAML: " + e.Message));
            return null;
        }
        catch (YamlTreeException e)
        {
            errors.Add(Error(fileName, e.At, e.Message));
            return null;
        }
        var items = new List<ManagedItem>();
        foreach (var document in documents)
        {
            if (document is null || document is YScalar { IsNull: true }) continue;
            if (document is not YSequence sequence)
            {
                errors.Add(Error(fileName, document.Start, "a rules document must be a YAML sequence of items (- rule: ..., - macro: ..., - list: ...)"));
                return null;
            }
            foreach (var node in sequence.Items)
            {
                if (node is YScalar { IsNull: true }) continue;
                if (node is not YMapping mapping || mapping.Entries.Count == 0)
                {
                    errors.Add(Error(fileName, node.Start, "an item must be a mapping (- rule: ..., - macro: ..., - list: ...)"));
                    return null;
                }
                var body = (YamlMappingValue)YamlValue.From(mapping);
                var kind = mapping.Entries.Select(e => ItemKinds.FromKey(e.Key.Value)).FirstOrDefault(k => k is not null);
                var name = kind is null ? mapping.Entries[0].Key.Value : (body[kind.Value.Key()] as YamlScalarValue)?.Value ?? "";
                if (checkNames && kind is not null && ItemNames.Problem(kind.Value, name) is { } problem)
                    errors.Add(new RuleDiagnostic(DiagnosticSeverity.Error, problem,
                        Location(fileName, mapping.Entries.First(e => e.Key.Value == kind.Value.Key()).Value.Start), kind.Value.Key(), name));
                items.Add(new ManagedItem(kind, name, body));
            }
        }
        return errors.Count > before ? null : new ManagedDocument(version, items);
    }

    private static RuleDiagnostic Error(string file, Mark at, string message) => new(DiagnosticSeverity.Error, message, Location(file, at));

    private static SourceLocation Location(string file, Mark at) => new(file, (int)Math.Max(1, at.Line), (int)Math.Max(1, at.Column));
}
