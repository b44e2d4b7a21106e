using FalcoHook.Core.Fields;
using FalcoHook.Core.Rules.Engine;

namespace FalcoHook.Core.Pipeline;

/// <summary>
/// Drop rules and destination conditions compiled by the real Falco rules engine over the
/// <c>falco_alert</c> source: the same grammar, operators and missing-field semantics as rule conditions.
/// </summary>
public sealed class FalcoAlertConditionCompiler(FalcoAlertFieldProvider provider) : IAlertConditionCompiler
{
    public FalcoAlertConditionCompiler() : this(new FalcoAlertFieldProvider()) { }

    public AlertConditionResult Compile(string condition)
    {
        var result = ConditionCompiler.Compile(condition, provider);
        if (result.Condition is { } compiled) return AlertConditionResult.Success(alert => compiled.Matches(alert));
        return AlertConditionResult.Failure(result.Errors
            .Select(e => new ConditionError(e.Location?.Line ?? 1, e.Location?.Column ?? 1, e.Message))
            .ToList());
    }
}
