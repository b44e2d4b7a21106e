using FalcoHook.Core.Configuration;
using FalcoHook.Core.Rules.Engine;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Rules;

/// <summary><c>FalcoHook:Rules</c>: which rules files to load, how matches are picked, and whether edits to the files are picked up.</summary>
public sealed class RulesOptions
{
    public const string Section = "FalcoHook:Rules";

    /// <summary>Files and folders, loaded in this order (Falco's <c>rules_files</c>); a folder gives its *.yaml/*.yml files, sorted.</summary>
    public List<string> Paths { get; set; } = [];

    /// <summary><c>first</c> (Falco's default: only the first matching rule fires) or <c>all</c>.</summary>
    public string Matching { get; set; } = "first";

    /// <summary>Watch the files of <see cref="Paths"/> and reload when they change (default true).</summary>
    public bool Watch { get; set; } = true;

    /// <summary>How long the files must be quiet before a reload (editors write in several steps). Default 500 ms.</summary>
    public TimeSpan WatchDebounce { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The work budget of one <c>validate</c> or <c>test</c> request; past it the work stops and the answer is 422.</summary>
    public TimeSpan ToolsTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary><c>validate</c> and <c>test</c> requests running at once; more are refused with 503 and <c>Retry-After</c>.</summary>
    public int ToolsConcurrency { get; set; } = 2;

    public RuleMatching RuleMatching => string.Equals(Matching, "all", StringComparison.OrdinalIgnoreCase)
        ? RuleMatching.All : RuleMatching.First;
}

/// <summary>Checks <c>FalcoHook:Rules</c> at start-up.</summary>
public sealed class RulesOptionsValidator : IValidateOptions<RulesOptions>
{
    public ValidateOptionsResult Validate(string? name, RulesOptions options)
    {
        var failures = new OptionsFailures(RulesOptions.Section);
        if (options.Matching is not ("first" or "all" or "First" or "All"))
            failures.Add(nameof(options.Matching), $"must be 'first' or 'all' (got '{options.Matching}').");
        failures.NotNegative(nameof(options.WatchDebounce), options.WatchDebounce);
        if (options.ToolsTimeout <= TimeSpan.Zero || options.ToolsTimeout > TimeSpan.FromMinutes(10))
            failures.Add(nameof(options.ToolsTimeout), "must be more than 0 and at most 00:10:00.");
        if (options.ToolsConcurrency is < 1 or > 64)
            failures.Add(nameof(options.ToolsConcurrency), "must be between 1 and 64.");
        return failures.Result;
    }
}
