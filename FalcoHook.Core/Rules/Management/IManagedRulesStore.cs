namespace FalcoHook.Core.Rules.Management;

/// <summary>The managed document as stored: its version (0 = never written) and its YAML.</summary>
public sealed record StoredManagedRules(long Version, string Yaml);

/// <summary>
/// One change of the managed rules, as kept in the history: who (API key name or <c>anonymous</c>), when, what
/// (action, item kind and name; both null for an import), the item's YAML before and after (the whole document
/// for an import), and the document version it produced.
/// </summary>
public sealed record RuleChange(long Id, DateTimeOffset At, string Actor, string Action, string? Kind, string? Name,
    string? Before, string? After, long Version);

/// <summary>Where the managed document and its history live (SQLite by default).</summary>
public interface IManagedRulesStore
{
    /// <summary>The stored document, or null when none was ever written.</summary>
    Task<StoredManagedRules?> LoadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Stores <paramref name="yaml"/> as version <paramref name="expectedVersion"/> + 1 and appends
    /// <paramref name="change"/> to the history, in one transaction. Throws <see cref="ManagedRulesConflictException"/>
    /// when the stored version is not <paramref name="expectedVersion"/> (another writer got there first).
    /// </summary>
    Task<RuleChange> SaveAsync(long expectedVersion, string yaml, RuleChange change, CancellationToken cancellationToken);

    /// <summary>The history, newest first, optionally of one item.</summary>
    Task<IReadOnlyList<RuleChange>> HistoryAsync(string? kind, string? name, int limit, CancellationToken cancellationToken);
}

public sealed class ManagedRulesConflictException(long expected, long actual)
    : Exception($"The managed rules are at version {actual}, not {expected}: another change was stored first.")
{
    public long Expected { get; } = expected;
    public long Actual { get; } = actual;
}
