using FalcoHook.Core.Rules.Engine;

namespace FalcoHook.Core.Rules;

/// <summary><c>FalcoHook:Rules</c>: which rules files to load and how matches are picked.</summary>
public sealed class RulesOptions
{
    public const string Section = "FalcoHook:Rules";

    /// <summary>Files and folders, loaded in this order (Falco's <c>rules_files</c>); a folder gives its *.yaml/*.yml files, sorted.</summary>
    public List<string> Paths { get; set; } = [];

    /// <summary><c>first</c> (Falco's default: only the first matching rule fires) or <c>all</c>.</summary>
    public string Matching { get; set; } = "first";

    public RuleMatching RuleMatching => string.Equals(Matching, "all", StringComparison.OrdinalIgnoreCase)
        ? RuleMatching.All : RuleMatching.First;
}
