using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Pipeline;

/// <summary>
/// The seam to the rules engine: compiles a condition in Falco rule syntax over the <c>falco_alert</c> source
/// (<c>falco.rule</c>, <c>falco.priority</c>, <c>falco.source</c>, <c>falco.hostname</c>, <c>falco.tags</c>,
/// <c>falco.output</c> and every <c>output_fields</c> key) into a predicate. Used by drop rules
/// (<c>FalcoHook:Pipeline:Drop</c>) and destination conditions (<c>FalcoHook:Destinations:*:Condition</c>).
/// </summary>
public interface IAlertConditionCompiler
{
    AlertConditionResult Compile(string condition);
}

/// <summary>One problem in a condition, at a 1-based line and column.</summary>
public sealed record ConditionError(int Line, int Column, string Message)
{
    /// <summary><c>1:12: unexpected token ')'</c></summary>
    public override string ToString() => $"{Line}:{Column}: {Message}";
}

/// <summary>A compiled condition, or the reasons it did not compile.</summary>
public sealed class AlertConditionResult
{
    private AlertConditionResult(Func<FalcoAlert, bool>? predicate, IReadOnlyList<ConditionError> errors)
    {
        Predicate = predicate;
        Errors = errors;
    }

    /// <summary>The compiled condition; null when <see cref="Errors"/> is not empty.</summary>
    public Func<FalcoAlert, bool>? Predicate { get; }

    public IReadOnlyList<ConditionError> Errors { get; }

    public bool Ok => Predicate is not null;

    public static AlertConditionResult Success(Func<FalcoAlert, bool> predicate) => new(predicate, []);

    public static AlertConditionResult Failure(params IReadOnlyList<ConditionError> errors) =>
        errors.Count == 0 ? throw new ArgumentException("A failure needs at least one error.", nameof(errors)) : new(null, errors);

    /// <summary>The predicate, or an exception naming <paramref name="key"/> and every error.</summary>
    public Func<FalcoAlert, bool> GetPredicateOrThrow(string key) =>
        Predicate ?? throw new InvalidOperationException(string.Join("; ", Errors.Select(e => $"{key}: {e}")));
}

/// <summary>
/// Registered when no real compiler is: every condition fails to compile, so a configured drop rule or
/// destination condition stops start-up instead of being silently ignored.
/// </summary>
public sealed class UnavailableConditionCompiler : IAlertConditionCompiler
{
    public AlertConditionResult Compile(string condition) =>
        AlertConditionResult.Failure(new ConditionError(1, 1,
            "Falco conditions cannot be compiled: no IAlertConditionCompiler is registered."));
}
