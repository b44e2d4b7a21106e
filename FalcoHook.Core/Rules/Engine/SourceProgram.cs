using FalcoHook.Core.Fields;
using FalcoHook.Core.Rules.Compilation;

namespace FalcoHook.Core.Rules.Engine;

/// <summary>
/// The evaluable rules of one source with the fields they use, and a context per thread. An event is evaluated
/// against the rules it can match (<see cref="RuleIndex"/>), in rule order.
/// </summary>
internal sealed class SourceProgram
{
    private readonly IFieldExtractor[] _extractors;
    private readonly ThreadLocal<EvaluationContext> _contexts;
    private readonly RuleIndex _index;

    public SourceProgram(IFieldProvider provider, IFieldExtractor[] extractors, CompiledRule[] rules)
    {
        Provider = provider;
        _extractors = extractors;
        Rules = rules;
        _index = new RuleIndex(rules);
        _contexts = new ThreadLocal<EvaluationContext>(() => new EvaluationContext(_extractors));
    }

    public IFieldProvider Provider { get; }
    public CompiledRule[] Rules { get; }

    /// <summary>The slot of the field that selects which rules an event is evaluated against, or -1.</summary>
    internal int IndexSlot => _index.Slot;

    public void Evaluate(object evt, RuleMatching matching, List<CompiledRule>? results, ref CompiledRule? first)
    {
        var ctx = _contexts.Value!;
        ctx.Begin(evt);
        try
        {
            foreach (var rule in _index.For(ctx))
            {
                if (!rule.Predicate!.Eval(ctx)) continue;
                if (matching == RuleMatching.First)
                {
                    first = rule;
                    return;
                }
                results!.Add(rule);
            }
        }
        finally
        {
            ctx.End();
        }
    }

    /// <summary>Every rule that matches, each evaluated whatever the index says (what the index must agree with; for tests).</summary>
    internal List<CompiledRule> EvaluateEveryRule(object evt)
    {
        var ctx = _contexts.Value!;
        ctx.Begin(evt);
        try
        {
            return Rules.Where(rule => rule.Predicate!.Eval(ctx)).ToList();
        }
        finally
        {
            ctx.End();
        }
    }

    /// <summary>The rules the index leaves for <paramref name="evt"/>, those evaluated for it (for tests).</summary>
    internal CompiledRule[] CandidatesFor(object evt)
    {
        var ctx = _contexts.Value!;
        ctx.Begin(evt);
        try
        {
            return _index.For(ctx);
        }
        finally
        {
            ctx.End();
        }
    }

    /// <summary>Rules evaluated between two looks at the cancellation token of a budgeted evaluation.</summary>
    public const int RulesPerCancellationCheck = 64;

    /// <summary>Every match (or the first, by <paramref name="matching"/>) into <paramref name="results"/>, checking the token between batches of rules.</summary>
    public void Evaluate(object evt, RuleMatching matching, List<CompiledRule> results, CancellationToken cancellationToken)
    {
        var ctx = _contexts.Value!;
        ctx.Begin(evt);
        try
        {
            var rules = _index.For(ctx);
            for (var i = 0; i < rules.Length; i++)
            {
                if (i % RulesPerCancellationCheck == 0) cancellationToken.ThrowIfCancellationRequested();
                if (!rules[i].Predicate!.Eval(ctx)) continue;
                results.Add(rules[i]);
                if (matching == RuleMatching.First) return;
            }
        }
        finally
        {
            ctx.End();
        }
    }
}
