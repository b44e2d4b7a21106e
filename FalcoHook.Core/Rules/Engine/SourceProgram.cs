using FalcoHook.Core.Fields;
using FalcoHook.Core.Rules.Compilation;

namespace FalcoHook.Core.Rules.Engine;

/// <summary>The evaluable rules of one source with the fields they use, and a context per thread.</summary>
internal sealed class SourceProgram
{
    private readonly IFieldExtractor[] _extractors;
    private readonly ThreadLocal<EvaluationContext> _contexts;

    public SourceProgram(IFieldProvider provider, IFieldExtractor[] extractors, CompiledRule[] rules)
    {
        Provider = provider;
        _extractors = extractors;
        Rules = rules;
        _contexts = new ThreadLocal<EvaluationContext>(() => new EvaluationContext(_extractors));
    }

    public IFieldProvider Provider { get; }
    public CompiledRule[] Rules { get; }

    public void Evaluate(object evt, RuleMatching matching, List<CompiledRule>? results, ref CompiledRule? first)
    {
        var ctx = _contexts.Value!;
        ctx.Begin(evt);
        try
        {
            foreach (var rule in Rules)
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

    /// <summary>Rules evaluated between two looks at the cancellation token of a budgeted evaluation.</summary>
    public const int RulesPerCancellationCheck = 64;

    /// <summary>Every match (or the first, by <paramref name="matching"/>) into <paramref name="results"/>, checking the token between batches of rules.</summary>
    public void Evaluate(object evt, RuleMatching matching, List<CompiledRule> results, CancellationToken cancellationToken)
    {
        var ctx = _contexts.Value!;
        ctx.Begin(evt);
        try
        {
            for (var i = 0; i < Rules.Length; i++)
            {
                if (i % RulesPerCancellationCheck == 0) cancellationToken.ThrowIfCancellationRequested();
                if (!Rules[i].Predicate!.Eval(ctx)) continue;
                results.Add(Rules[i]);
                if (matching == RuleMatching.First) return;
            }
        }
        finally
        {
            ctx.End();
        }
    }
}
