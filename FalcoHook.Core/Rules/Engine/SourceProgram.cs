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
}
