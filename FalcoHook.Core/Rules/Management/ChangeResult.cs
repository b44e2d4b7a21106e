namespace FalcoHook.Core.Rules.Management;

public enum ChangeStatus
{
    /// <summary>Compiled, stored and swapped in.</summary>
    Applied,
    NotFound,
    /// <summary>The item already exists (create), is read-only (delete of a file item), or storage moved on.</summary>
    Conflict,
    /// <summary>If-Match named another version.</summary>
    PreconditionFailed,
    /// <summary>The change does not compile (or does not parse): nothing changed.</summary>
    Invalid,
}

/// <summary>The outcome of a change: its status, why it was refused, and the view after it.</summary>
public sealed record ChangeResult(ChangeStatus Status, RulesView View, string? Message = null,
    IReadOnlyList<RuleDiagnostic>? Diagnostics = null, RuleChange? Change = null)
{
    public IReadOnlyList<RuleDiagnostic> Errors => Diagnostics?.Where(d => d.IsError).ToList() ?? [];
}

/// <summary>A reload of the rules files: when, whether its set was swapped in, and the errors when not.</summary>
public sealed record FileReload(DateTimeOffset At, bool Applied, IReadOnlyList<RuleDiagnostic> Errors);
