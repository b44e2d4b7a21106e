namespace FalcoHook.Core.Inhibition;

/// <summary>An inhibition rule put through the API: its name, its definition and when it was last put.</summary>
public sealed record StoredInhibitRule(string Name, InhibitRuleOptions Rule, DateTimeOffset UpdatedAt);

/// <summary>Where the inhibition rules put through the API live (the configuration's stay in configuration).</summary>
public interface IInhibitRuleStore
{
    /// <summary>Every stored rule, by name.</summary>
    Task<IReadOnlyList<StoredInhibitRule>> ListInhibitRulesAsync(CancellationToken cancellationToken);

    /// <summary>Adds the rule or replaces the one of that name; committed before it returns.</summary>
    Task PutInhibitRuleAsync(StoredInhibitRule rule, CancellationToken cancellationToken);

    /// <summary>Deletes the rule of that name; false when there is none.</summary>
    Task<bool> DeleteInhibitRuleAsync(string name, CancellationToken cancellationToken);
}
