using FalcoHook.Core.Fields;
using FalcoHook.Core.Rules.Compilation;
using FalcoHook.Core.Rules.Language;
using FalcoHook.Core.Rules.Loading;

namespace FalcoHook.Core.Rules.Engine;

/// <summary>
/// Compiles collected definitions the way Falco does after reading every file: lists (flattening lists named
/// in lists), then macros in order (each may use the macros before it), then rules (exceptions appended,
/// lists substituted, macros substituted, fields resolved against the source's provider).
/// </summary>
internal static class RuleSetCompiler
{
    public static RuleSet Compile(RuleDefinitions definitions, IReadOnlyList<IFieldProvider> providers)
    {
        var diagnostics = new List<RuleDiagnostic>(definitions.Diagnostics);
        var providerBySource = new Dictionary<string, IFieldProvider>(StringComparer.Ordinal);
        foreach (var provider in providers) providerBySource[provider.Source] = provider;

        var used = new Usage();
        var lists = CompileLists(definitions, used);
        var macros = CompileMacros(definitions, lists, used, diagnostics);

        var slotTables = new Dictionary<string, SlotTable>(StringComparer.Ordinal);
        var rules = new List<CompiledRule>(definitions.Rules.Count);
        foreach (var rule in definitions.Rules.Items)
        {
            var compiled = CompileRule(rule, rules.Count, lists, macros, used, providerBySource, slotTables, diagnostics);
            if (compiled is not null) rules.Add(compiled);
        }
        WarnUnused(definitions, used, diagnostics);

        var programs = new Dictionary<string, SourceProgram>(StringComparer.Ordinal);
        foreach (var (source, slots) in slotTables)
        {
            var evaluable = rules.Where(r => r.Source == source && r.Enabled && r.IsEvaluated).ToArray();
            programs[source] = new SourceProgram(slots.Provider, slots.Extractors, evaluable);
        }
        var macroConditions = macros.Where(m => m.Value.Condition is not null)
            .ToDictionary(m => m.Key, m => m.Value.Condition!, StringComparer.Ordinal);
        return new RuleSet(rules, Deduplicate(diagnostics), providers, lists, macroConditions, programs);
    }

    /// <summary>As Falco: a list or macro that no rule or macro refers to is a warning.</summary>
    private static void WarnUnused(RuleDefinitions definitions, Usage used, List<RuleDiagnostic> diagnostics)
    {
        foreach (var list in definitions.Lists.Items.Where(l => !used.Lists.Contains(l.Name)))
            diagnostics.Add(new RuleDiagnostic(DiagnosticSeverity.Warning, "list not referenced by any rule, macro or list", list.Location, "list", list.Name));
        foreach (var macro in definitions.Macros.Items.Where(m => !used.Macros.Contains(m.Name)))
            diagnostics.Add(new RuleDiagnostic(DiagnosticSeverity.Warning, "macro not referenced by any rule or macro", macro.Location, "macro", macro.Name));
    }

    private static Dictionary<string, string[]> CompileLists(RuleDefinitions definitions, Usage used)
    {
        var lists = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var list in definitions.Lists.Items)
        {
            var items = new List<string>(list.Items.Count);
            foreach (var item in list.Items)
            {
                if (lists.TryGetValue(item, out var nested))
                {
                    items.AddRange(nested);
                    used.Lists.Add(item);
                }
                else items.Add(item);
            }
            lists[list.Name] = [.. items];
        }
        return lists;
    }

    private static Dictionary<string, MacroEntry> CompileMacros(RuleDefinitions definitions,
        Dictionary<string, string[]> lists, Usage used, List<RuleDiagnostic> diagnostics)
    {
        var macros = new Dictionary<string, MacroEntry>(StringComparer.Ordinal);
        var index = 0;
        foreach (var macro in definitions.Macros.Items)
        {
            var position = index++;
            var errors = new List<CompileError>();
            ResolvedCondition? resolved = null;
            var expanded = ListExpander.Expand(macro.Condition.Text, macro.Condition, lists, used.Lists);
            try
            {
                var ast = ConditionParser.Parse(expanded.Text, expanded);
                resolved = MacroResolver.Resolve(ast, name => Lookup(macros, name, position, used), errors);
            }
            catch (ConditionSyntaxException e)
            {
                errors.Add(new CompileError(e.Message, e.Pos));
            }
            foreach (var error in errors)
                diagnostics.Add(new RuleDiagnostic(DiagnosticSeverity.Error, error.Message, error.Pos.Locate(), "macro", macro.Name));
            macros[macro.Name] = new MacroEntry(position, errors.Count == 0 ? resolved : null);
        }
        return macros;
    }

    private static MacroLookup Lookup(Dictionary<string, MacroEntry> macros, string name, int before, Usage used)
    {
        if (!macros.TryGetValue(name, out var m) || m.Position >= before) return MacroLookup.NotFound;
        used.Macros.Add(name);
        return new MacroLookup(m.Condition, m.Condition is null);
    }

    private static CompiledRule? CompileRule(RuleDefinition rule, int index, Dictionary<string, string[]> lists,
        Dictionary<string, MacroEntry> macros, Usage used, Dictionary<string, IFieldProvider> providers,
        Dictionary<string, SlotTable> slotTables, List<RuleDiagnostic> diagnostics)
    {
        var before = diagnostics.Count;
        void Report(DiagnosticSeverity severity, string message, SourceLocation? at) =>
            diagnostics.Add(new RuleDiagnostic(severity, message, at ?? rule.Location, "rule", rule.Name));

        var condition = rule.Condition;
        var clauses = ExceptionConditionBuilder.Build(rule.Exceptions, out var exceptionError);
        if (exceptionError is not null)
        {
            Report(DiagnosticSeverity.Error, exceptionError, rule.Exceptions.FirstOrDefault()?.Location);
            return null;
        }
        if (clauses.Length > 0)
        {
            var at = rule.Exceptions.First(e => e.Values.Count > 0).Location;
            condition = LocatedText.Generated("(", rule.Location).Append("", condition).Append("", LocatedText.Generated(")" + clauses, at));
        }

        var errors = new List<CompileError>();
        ResolvedCondition? resolved = null;
        var expanded = ListExpander.Expand(condition.Text, condition, lists, used.Lists);
        try
        {
            var ast = ConditionParser.Parse(expanded.Text, expanded);
            resolved = MacroResolver.Resolve(ast, name => Lookup(macros, name, int.MaxValue, used), errors);
        }
        catch (ConditionSyntaxException e)
        {
            errors.Add(new CompileError(e.Message, e.Pos));
        }

        Node? predicate = null;
        providers.TryGetValue(rule.Source, out var provider);
        if (resolved is not null && provider is not null)
        {
            if (!slotTables.TryGetValue(rule.Source, out var slots))
                slotTables[rule.Source] = slots = new SlotTable(provider);
            var fieldErrors = new List<CompileError>();
            predicate = new PredicateCompiler(slots, fieldErrors).Compile(resolved.Expr);
            if (fieldErrors.Count > 0 && rule.SkipIfUnknownFilter)
            {
                Report(DiagnosticSeverity.Warning, $"rule skipped (skip-if-unknown-filter): {fieldErrors[0].Message}", fieldErrors[0].Pos.Locate());
                return null;
            }
            errors.AddRange(fieldErrors);
        }
        foreach (var error in errors) Report(DiagnosticSeverity.Error, error.Message, error.Pos.Locate());

        var output = OutputFormatter.Parse(rule.Output.Text, provider, out var outputErrors);
        foreach (var (message, offset) in outputErrors)
            Report(DiagnosticSeverity.Error, $"output: {message}", rule.Output.Locate(offset));

        if (diagnostics.Skip(before).Any(d => d.IsError) || resolved is null) return null;
        return new CompiledRule(rule.Name, rule.Description, rule.Source, rule.Priority, rule.Enabled, rule.Tags.ToArray(),
            AstPrinter.Print(resolved.Expr), output, rule.Location, index, predicate);
    }

    private static List<RuleDiagnostic> Deduplicate(List<RuleDiagnostic> diagnostics)
    {
        var seen = new HashSet<(string, SourceLocation?, DiagnosticSeverity)>();
        return diagnostics.Where(d => seen.Add((d.Message, d.Location, d.Severity))).ToList();
    }

    internal readonly record struct MacroEntry(int Position, ResolvedCondition? Condition);

    /// <summary>The lists and macros some condition (or list) refers to.</summary>
    private sealed class Usage
    {
        public HashSet<string> Lists { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Macros { get; } = new(StringComparer.Ordinal);
    }
}
