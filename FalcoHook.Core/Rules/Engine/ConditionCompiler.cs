using FalcoHook.Core.Fields;
using FalcoHook.Core.Rules.Compilation;
using FalcoHook.Core.Rules.Language;

namespace FalcoHook.Core.Rules.Engine;

/// <summary>A standalone condition compiled against one provider (drop rules, destination conditions).</summary>
public sealed class CompiledCondition
{
    private readonly Node _predicate;
    private readonly ThreadLocal<EvaluationContext> _contexts;

    internal CompiledCondition(string text, string source, Node predicate, IFieldExtractor[] extractors)
    {
        Text = text;
        Source = source;
        _predicate = predicate;
        _contexts = new ThreadLocal<EvaluationContext>(() => new EvaluationContext(extractors));
    }

    public string Text { get; }
    public string Source { get; }

    /// <summary>True when <paramref name="evt"/> (an event of <see cref="Source"/>) satisfies the condition.</summary>
    public bool Matches(object evt)
    {
        var ctx = _contexts.Value!;
        ctx.Begin(evt);
        try
        {
            return _predicate.Eval(ctx);
        }
        finally
        {
            ctx.End();
        }
    }
}

public sealed record ConditionCompileResult(CompiledCondition? Condition, IReadOnlyList<RuleDiagnostic> Errors)
{
    public bool Success => Condition is not null;
}

/// <summary>
/// Compiles one condition in Falco syntax. Without <c>definitions</c> it may use no macros or lists; with a
/// rule set, that set's macros and lists are available. Errors carry the column in the expression
/// (file <c>&lt;condition&gt;</c>, line 1).
/// </summary>
public static class ConditionCompiler
{
    public static ConditionCompileResult Compile(string condition, IFieldProvider provider, RuleSet? definitions = null)
    {
        var errors = new List<CompileError>();
        Node? predicate = null;
        var slots = new SlotTable(provider);
        try
        {
            var expanded = ListExpander.Expand(condition, null, definitions?.Lists ?? []);
            var ast = ConditionParser.Parse(expanded.Text, expanded);
            var resolved = MacroResolver.Resolve(ast, name =>
                definitions is not null && definitions.Macros.TryGetValue(name, out var m) ? new MacroLookup(m, false) : MacroLookup.NotFound,
                errors);
            if (resolved is not null) predicate = new PredicateCompiler(slots, errors).Compile(resolved.Expr);
        }
        catch (ConditionSyntaxException e)
        {
            errors.Add(new CompileError(e.Message, e.Pos));
        }
        if (errors.Count > 0 || predicate is null)
            return new ConditionCompileResult(null,
                errors.Select(e => new RuleDiagnostic(DiagnosticSeverity.Error, e.Message, e.Pos.Locate())).ToList());
        return new ConditionCompileResult(new CompiledCondition(condition, provider.Source, predicate, slots.Extractors), []);
    }
}
