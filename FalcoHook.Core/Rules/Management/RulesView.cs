using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FalcoHook.Core.Rules.Engine;
using FalcoHook.Core.Rules.Loading;

namespace FalcoHook.Core.Rules.Management;

/// <summary>
/// Where an item comes from: <c>file</c> (defined in a file under the rules paths, read-only through the API;
/// <see cref="Overridden"/> when the managed document changes it) or <c>api</c> (defined in the managed document).
/// </summary>
public sealed record ItemOrigin(string Type, string? File, int? Line, bool Overridden)
{
    public bool IsFile => Type == "file";
}

public sealed record RuleView(RuleDefinition Definition, CompiledRule? Compiled, ItemOrigin Origin, string ETag);

public sealed record MacroView(MacroDefinition Definition, string? Compiled, ItemOrigin Origin, string ETag);

public sealed record ListView(ListDefinition Definition, IReadOnlyList<string>? Expanded, ItemOrigin Origin, string ETag);

/// <summary>
/// The effective rule set as items: every rule, macro and list after the files and the managed document were
/// read (overrides applied), with where each comes from and an ETag (a hash of its effective definition and
/// origin: it changes whenever a GET would show something else).
/// </summary>
public sealed class RulesView
{
    private RulesView(RuleSet set, IReadOnlyList<RulesFile> files, ManagedDocument managed,
        List<RuleView> rules, List<MacroView> macros, List<ListView> lists)
    {
        Set = set;
        Files = files;
        Managed = managed;
        Rules = rules;
        Macros = macros;
        Lists = lists;
    }

    public RuleSet Set { get; }
    public IReadOnlyList<RulesFile> Files { get; }
    public ManagedDocument Managed { get; }
    public IReadOnlyList<RuleView> Rules { get; }
    public IReadOnlyList<MacroView> Macros { get; }
    public IReadOnlyList<ListView> Lists { get; }

    /// <summary>The managed document's ETag (its version), for export and import.</summary>
    public string DocumentETag => $"\"v{Managed.Version}\"";

    public RuleView? Rule(string name) => Rules.FirstOrDefault(r => r.Definition.Name == name);
    public MacroView? Macro(string name) => Macros.FirstOrDefault(m => m.Definition.Name == name);
    public ListView? List(string name) => Lists.FirstOrDefault(l => l.Definition.Name == name);

    public ItemOrigin? OriginOf(ItemKind kind, string name) => kind switch
    {
        ItemKind.Rule => Rule(name)?.Origin,
        ItemKind.Macro => Macro(name)?.Origin,
        _ => List(name)?.Origin,
    };

    public string? ETagOf(ItemKind kind, string name) => kind switch
    {
        ItemKind.Rule => Rule(name)?.ETag,
        ItemKind.Macro => Macro(name)?.ETag,
        _ => List(name)?.ETag,
    };

    public static RulesView Build(RuleSet set, IReadOnlyList<RulesFile> files, ManagedDocument managed)
    {
        var fromFiles = RulesReader.Read(files);
        var effective = managed.Items.Count == 0 ? fromFiles : RulesReader.Read(files.Append(managed.ToRulesFile()));

        ItemOrigin Origin<T>(ItemKind kind, string name, OrderedDefinitions<T> inFiles, Func<T, SourceLocation> location) where T : class
        {
            var overridden = managed.Find(kind, name) is not null;
            var inFile = inFiles.Find(name);
            return inFile is null
                ? new ItemOrigin("api", null, null, false)
                : new ItemOrigin("file", location(inFile).File, location(inFile).Line, overridden);
        }

        var rules = effective.Rules.Items.Select(d =>
        {
            var origin = Origin(ItemKind.Rule, d.Name, fromFiles.Rules, x => x.Location);
            return new RuleView(d, set.Find(d.Name), origin, Hash(new
            {
                d.Name, d.Description, Condition = d.Condition.Text, Output = d.Output.Text, Priority = d.Priority.ToString(),
                d.Source, d.Enabled, d.Tags, Exceptions = d.Exceptions.Select(ExceptionJson), d.WarnEvttypes, d.SkipIfUnknownFilter,
                d.Capture, d.CaptureDuration, origin,
            }));
        }).ToList();
        var macros = effective.Macros.Items.Select(d =>
        {
            var origin = Origin(ItemKind.Macro, d.Name, fromFiles.Macros, x => x.Location);
            return new MacroView(d, set.TryGetMacro(d.Name, out var compiled) ? compiled : null, origin,
                Hash(new { d.Name, Condition = d.Condition.Text, origin }));
        }).ToList();
        var lists = effective.Lists.Items.Select(d =>
        {
            var origin = Origin(ItemKind.List, d.Name, fromFiles.Lists, x => x.Location);
            return new ListView(d, set.TryGetList(d.Name, out var expanded) ? expanded : null, origin,
                Hash(new { d.Name, d.Items, origin }));
        }).ToList();
        return new RulesView(set, files, managed, rules, macros, lists);
    }

    /// <summary>An exception as plain data: name, fields (a string or a list), comps, values (nested lists of strings).</summary>
    public static object ExceptionJson(ExceptionDefinition e) => new Dictionary<string, object?>
    {
        ["name"] = e.Name,
        ["fields"] = e.FieldsIsList ? e.Fields : e.Fields.FirstOrDefault(),
        ["comps"] = e.FieldsIsList ? e.Comps : e.Comps.FirstOrDefault(),
        ["values"] = e.Values.Select(ValueJson).ToList(),
    };

    private static object? ValueJson(ExceptionValue value) =>
        value.IsList ? value.Items!.Select(ValueJson).ToList() : value.Scalar;

    private static string Hash(object value)
    {
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(value)));
        return $"\"{Convert.ToHexStringLower(bytes.AsSpan(0, 12))}\"";
    }
}
