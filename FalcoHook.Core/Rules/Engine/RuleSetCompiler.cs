using FalcoHook.Core.Fields;
using FalcoHook.Core.Rules.Compilation;
using FalcoHook.Core.Rules.Language;
using FalcoHook.Core.Rules.Loading;

namespace FalcoHook.Core.Rules.Engine;

/// <summary>
/// Compiles collected definitions the way Falco does after reading every file: lists (flattening lists named
/// in lists), then macros (each may use the macros defined before its latest definition), then rules
/// (exceptions appended, lists substituted, macros substituted, fields resolved against the source's provider).
/// All rules' conditions together may hold at most <see cref="MaxTotalSize"/> nodes and list items once
/// substituted; the rule that goes beyond is an error and later rules are not compiled.
/// </summary>
internal static class RuleSetCompiler
{
    public const long MaxTotalSize = 1_000_000;

    public static RuleSet Compile(RuleDefinitions definitions, IReadOnlyList<IFieldProvider> providers,
        CancellationToken cancellationToken = default)
    {
        var diagnostics = new List<RuleDiagnostic>(definitions.Diagnostics);
        var providerBySource = new Dictionary<string, IFieldProvider>(StringComparer.Ordinal);
        foreach (var provider in providers) providerBySource[provider.Source] = provider;

        var resolver = new DefinitionResolver(definitions, diagnostics, cancellationToken);
        var lists = resolver.ResolveLists();
        var macros = resolver.ResolveMacros();

        var slotTables = new Dictionary<string, SlotTable>(StringComparer.Ordinal);
        var rules = new List<CompiledRule>(definitions.Rules.Count);
        var budget = new SizeBudget(MaxTotalSize);
        foreach (var rule in definitions.Rules.Items)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var compiled = CompileRule(rule, rules.Count, lists, resolver, providerBySource, slotTables, diagnostics, budget);
            if (compiled is not null) rules.Add(compiled);
            if (budget.Exceeded) break;
        }
        WarnUnused(definitions, resolver, diagnostics);

        var programs = new Dictionary<string, SourceProgram>(StringComparer.Ordinal);
        foreach (var (source, slots) in slotTables)
        {
            var evaluable = rules.Where(r => r.Source == source && r.Enabled && r.IsEvaluated).ToArray();
            programs[source] = new SourceProgram(slots.Provider, slots.Extractors, evaluable);
        }
        var macroConditions = macros.Where(m => m.Value is not null)
            .ToDictionary(m => m.Key, m => m.Value!, StringComparer.Ordinal);
        return new RuleSet(rules, Order(Deduplicate(diagnostics), definitions.Files), providers, lists, macroConditions, programs);
    }

    /// <summary>As Falco: a list or macro that no rule or macro refers to is a warning.</summary>
    private static void WarnUnused(RuleDefinitions definitions, DefinitionResolver used, List<RuleDiagnostic> diagnostics)
    {
        foreach (var list in definitions.Lists.Items.Where(l => !used.UsedLists.Contains(l.Name)))
            diagnostics.Add(new RuleDiagnostic(DiagnosticSeverity.Warning, "list not referenced by any rule, macro or list", list.Location, "list", list.Name));
        foreach (var macro in definitions.Macros.Items.Where(m => !used.UsedMacros.Contains(m.Name) && used.Compiled(m.Name)))
            diagnostics.Add(new RuleDiagnostic(DiagnosticSeverity.Warning, "macro not referenced by any rule or macro", macro.Location, "macro", macro.Name));
    }

    private static CompiledRule? CompileRule(RuleDefinition rule, int index, Dictionary<string, string[]> lists,
        DefinitionResolver resolver, Dictionary<string, IFieldProvider> providers,
        Dictionary<string, SlotTable> slotTables, List<RuleDiagnostic> diagnostics, SizeBudget budget)
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
        try
        {
            var expanded = ListExpander.Expand(condition.Text, condition, lists, resolver.UsedLists);
            var ast = ConditionParser.Parse(expanded.Text, expanded);
            resolved = MacroResolver.Resolve(ast, name => resolver.Lookup(name, int.MaxValue, null), errors);
        }
        catch (ConditionSyntaxException e)
        {
            errors.Add(new CompileError(e.Message, e.Pos));
        }

        if (resolved is not null && !budget.TryTake(resolved.Size))
        {
            Report(DiagnosticSeverity.Error, $"the rules grow beyond {budget.Limit:N0} condition nodes and list items in all once " +
                                             "macros and lists are substituted; this rule and the ones after it are refused", null);
            return null;
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
            rule.Condition.Text.Trim(), AstPrinter.Print(resolved.Expr), output, rule.Location, index, predicate)
        {
            Options = new RuleOptions(rule.WarnEvttypes, rule.SkipIfUnknownFilter, rule.Capture, rule.CaptureDuration),
        };
    }

    /// <summary>Diagnostics by file (in load order), line and column; the order of discovery otherwise.</summary>
    private static List<RuleDiagnostic> Order(List<RuleDiagnostic> diagnostics, List<string> files) =>
        diagnostics.OrderBy(d => d.Location is null ? int.MaxValue : IndexOf(files, d.Location.File))
            .ThenBy(d => d.Location?.Line ?? 0).ThenBy(d => d.Location?.Column ?? 0).ToList();

    private static int IndexOf(List<string> files, string file)
    {
        var index = files.IndexOf(file);
        return index < 0 ? int.MaxValue - 1 : index;
    }

    private static List<RuleDiagnostic> Deduplicate(List<RuleDiagnostic> diagnostics)
    {
        var seen = new HashSet<(string, SourceLocation?, DiagnosticSeverity)>();
        return diagnostics.Where(d => seen.Add((d.Message, d.Location, d.Severity))).ToList();
    }

    /// <summary>What the rules' conditions may still hold, in nodes and list items.</summary>
    private sealed class SizeBudget(long limit)
    {
        private long _used;

        public long Limit { get; } = limit;
        public bool Exceeded { get; private set; }

        public bool TryTake(long size)
        {
            _used += size;
            Exceeded = _used > Limit;
            return !Exceeded;
        }
    }
}
