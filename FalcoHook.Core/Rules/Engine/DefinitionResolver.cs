using FalcoHook.Core.Rules.Compilation;
using FalcoHook.Core.Rules.Language;
using FalcoHook.Core.Rules.Loading;

namespace FalcoHook.Core.Rules.Engine;

/// <summary>
/// Resolves lists and macros with Falco's visibility rule: an item may use the items of its kind whose index
/// is below its visibility (those defined before its latest definition or append), never itself. Items are
/// resolved on demand and memoised; a cycle (possible through redefinitions) is an error. A list expands to at
/// most <see cref="MaxListItems"/> items and all lists together to <see cref="MaxTotalListItems"/>: a list beyond
/// either is an error at its definition and resolves to no items, so lists that multiply each other stay small.
/// </summary>
internal sealed class DefinitionResolver(RuleDefinitions definitions, List<RuleDiagnostic> diagnostics,
    CancellationToken cancellationToken = default)
{
    public const int MaxListItems = 100_000;
    public const long MaxTotalListItems = 1_000_000;

    private long _totalListItems;

    private readonly Dictionary<string, string[]> _lists = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ResolvedCondition?> _macros = new(StringComparer.Ordinal);
    private readonly HashSet<string> _resolving = new(StringComparer.Ordinal);

    public HashSet<string> UsedLists { get; } = new(StringComparer.Ordinal);
    public HashSet<string> UsedMacros { get; } = new(StringComparer.Ordinal);

    /// <summary>True when the macro compiled (an unused macro with errors gets no extra warning).</summary>
    public bool Compiled(string macro) => _macros.TryGetValue(macro, out var resolved) && resolved is not null;

    /// <summary>Every list, nested lists flattened.</summary>
    public Dictionary<string, string[]> ResolveLists()
    {
        foreach (var list in definitions.Lists.Items) ResolveList(list);
        return _lists;
    }

    private string[] ResolveList(ListDefinition list)
    {
        if (_lists.TryGetValue(list.Name, out var done)) return done;
        if (!_resolving.Add("list:" + list.Name)) return [.. list.Items]; // a cycle through redefinitions: stop expanding
        cancellationToken.ThrowIfCancellationRequested();
        var items = new List<string>(Math.Min(list.Items.Count, MaxListItems));
        string? tooLarge = null;
        foreach (var item in list.Items)
        {
            var index = definitions.Lists.IndexOf(item);
            var nested = index >= 0 && index < list.Visibility && item != list.Name;
            if (nested) UsedLists.Add(item);
            var expanded = nested ? ResolveList(definitions.Lists.Items[index]) : null;
            if (items.Count + (expanded?.Length ?? 1) > MaxListItems)
            {
                tooLarge = $"list '{list.Name}' expands to more than {MaxListItems:N0} items (nested lists included); refused";
                break;
            }
            if (expanded is null) items.Add(item);
            else items.AddRange(expanded);
        }
        if (tooLarge is null && _totalListItems + items.Count > MaxTotalListItems)
            tooLarge = $"list '{list.Name}' takes the lists beyond {MaxTotalListItems:N0} items in all (nested lists included); refused";
        _resolving.Remove("list:" + list.Name);
        if (tooLarge is not null)
        {
            diagnostics.Add(new RuleDiagnostic(DiagnosticSeverity.Error, tooLarge, list.Location, "list", list.Name));
            return _lists[list.Name] = [];
        }
        _totalListItems += items.Count;
        return _lists[list.Name] = [.. items];
    }

    /// <summary>Every macro's resolved condition (null for a macro with errors, which are reported).</summary>
    public Dictionary<string, ResolvedCondition?> ResolveMacros()
    {
        foreach (var macro in definitions.Macros.Items) ResolveMacro(macro);
        return _macros;
    }

    /// <summary>What <paramref name="name"/> means in a condition that sees macros below <paramref name="visibility"/>.</summary>
    public MacroLookup Lookup(string name, int visibility, string? self)
    {
        var index = definitions.Macros.IndexOf(name);
        if (index < 0 || index >= visibility || name == self) return MacroLookup.NotFound;
        UsedMacros.Add(name);
        var resolved = ResolveMacro(definitions.Macros.Items[index]);
        return new MacroLookup(resolved, resolved is null);
    }

    private ResolvedCondition? ResolveMacro(MacroDefinition macro)
    {
        if (_macros.TryGetValue(macro.Name, out var done)) return done;
        cancellationToken.ThrowIfCancellationRequested();
        if (!_resolving.Add(macro.Name))
        {
            diagnostics.Add(new RuleDiagnostic(DiagnosticSeverity.Error, $"macro '{macro.Name}' refers to itself through other macros",
                macro.Location, "macro", macro.Name));
            return _macros[macro.Name] = null;
        }
        var errors = new List<CompileError>();
        ResolvedCondition? resolved = null;
        try
        {
            var expanded = ListExpander.Expand(macro.Condition.Text, macro.Condition, _lists, UsedLists);
            var ast = ConditionParser.Parse(expanded.Text, expanded);
            resolved = MacroResolver.Resolve(ast, name => Lookup(name, macro.Visibility, macro.Name), errors);
        }
        catch (ConditionSyntaxException e)
        {
            errors.Add(new CompileError(e.Message, e.Pos));
        }
        foreach (var error in errors)
            diagnostics.Add(new RuleDiagnostic(DiagnosticSeverity.Error, error.Message, error.Pos.Locate(), "macro", macro.Name));
        _resolving.Remove(macro.Name);
        if (_macros.TryGetValue(macro.Name, out var cyclic) && cyclic is null) return null;
        return _macros[macro.Name] = errors.Count == 0 ? resolved : null;
    }
}
