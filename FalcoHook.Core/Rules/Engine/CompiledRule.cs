using FalcoHook.Core.Alerts;
using FalcoHook.Core.Rules.Compilation;

namespace FalcoHook.Core.Rules.Engine;

/// <summary>How many rules fire per event: Falco's <c>rule_matching</c>.</summary>
public enum RuleMatching
{
    /// <summary>Only the first matching rule, in load order (Falco's default).</summary>
    First,
    /// <summary>Every matching rule, in load order.</summary>
    All,
}

/// <summary>The rule keys FalcoHook reads but does not act on.</summary>
public sealed record RuleOptions(bool WarnEvttypes, bool SkipIfUnknownFilter, bool Capture, int CaptureDuration)
{
    public static RuleOptions Default { get; } = new(true, false, false, 0);
}

/// <summary>One rule of a <see cref="RuleSet"/>, compiled. Immutable.</summary>
public sealed class CompiledRule
{
    internal CompiledRule(string name, string description, string source, Priority priority, bool enabled,
        IReadOnlyList<string> tags, string sourceCondition, string condition, OutputFormatter output, SourceLocation location,
        int index, Node? predicate)
    {
        SourceCondition = sourceCondition;
        Name = name;
        Description = description;
        Source = source;
        Priority = priority;
        Enabled = enabled;
        Tags = tags;
        Condition = condition;
        Output = output;
        Location = location;
        Index = index;
        Predicate = predicate;
    }

    public string Name { get; }
    public string Description { get; }
    public string Source { get; }
    public Priority Priority { get; }
    public bool Enabled { get; }
    public IReadOnlyList<string> Tags { get; }

    /// <summary>The condition as written in the files (appends included), before exceptions, lists and macros.</summary>
    public string SourceCondition { get; }

    /// <summary>The condition as compiled (lists, exceptions and macros substituted), printed like libsinsp.</summary>
    public string Condition { get; }

    public OutputFormatter Output { get; }
    public SourceLocation Location { get; }

    /// <summary>Position in load order.</summary>
    public int Index { get; }

    /// <summary>False for rules of a source without a field provider: checked, kept, never evaluated.</summary>
    public bool IsEvaluated => Predicate is not null;

    internal Node? Predicate { get; }

    /// <summary>Falco's capture settings and loader flags, kept for display (FalcoHook does not capture).</summary>
    public RuleOptions Options { get; init; } = RuleOptions.Default;

    /// <summary>The alert for a match of this rule on <paramref name="evt"/> (an event of this rule's source).</summary>
    public FalcoAlert CreateAlert(object evt, string? hostname = null) =>
        Output.CreateAlert(Name, Priority, Source, Tags, evt, hostname);

    public override string ToString() => Name;
}
