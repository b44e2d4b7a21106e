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

    /// <summary>The work budget of one <c>validate</c> or <c>test</c> request; past it the work stops and the answer is 422.</summary>
    public TimeSpan ToolsTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>validate</c> and <c>test</c> requests running at once; more are refused with 503 and <c>Retry-After</c>.</summary>
    public int ToolsConcurrency { get; set; } = 2;

    public RuleMatching RuleMatching => string.Equals(Matching, "all", StringComparison.OrdinalIgnoreCase)
        ? RuleMatching.All : RuleMatching.First;
}
