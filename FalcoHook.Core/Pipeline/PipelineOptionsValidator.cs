using FalcoHook.Core.Configuration;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Pipeline;

/// <summary>
/// Checks <c>FalcoHook:Pipeline</c> at start-up. Every failure names its exact key; a drop rule that does not
/// compile also gives the position: <c>FalcoHook:Pipeline:Drop:0: 1:12: unexpected token ')'</c>.
/// </summary>
public sealed class PipelineOptionsValidator(IAlertConditionCompiler compiler) : IValidateOptions<PipelineOptions>
{
    public ValidateOptionsResult Validate(string? name, PipelineOptions options)
    {
        var failures = new OptionsFailures(PipelineOptions.Section);
        for (var i = 0; i < options.Drop.Count; i++)
            CheckCondition(compiler, failures, $"Drop:{i}", options.Drop[i]);

        var filter = options.Filter;
        CheckRegexes(failures, "Filter:IncludeRules", filter.IncludeRules);
        CheckRegexes(failures, "Filter:ExcludeRules", filter.ExcludeRules);
        CheckRegexes(failures, "Filter:IncludeOutputs", filter.IncludeOutputs);
        CheckRegexes(failures, "Filter:ExcludeOutputs", filter.ExcludeOutputs);
        failures.NoBlankItems("Filter:RequiredTags", filter.RequiredTags);
        failures.NoBlankItems("Filter:ExcludedTags", filter.ExcludedTags);
        failures.NoBlankItems("Filter:Sources", filter.Sources);
        failures.NoBlankItems("Enrich:Tags", options.Enrich.Tags);

        failures.Positive("Dedup:Window", options.Dedup.Window);
        failures.AtLeast("Dedup:MaxKeys", options.Dedup.MaxKeys, 1);
        if (options.Dedup.Fields is { } fields) failures.NoBlankItems("Dedup:Fields", fields);

        failures.Positive("Aggregate:Window", options.Aggregate.Window);
        failures.AtLeast("Aggregate:Threshold", options.Aggregate.Threshold, 1);
        failures.AtLeast("Aggregate:SampleValues", options.Aggregate.SampleValues, 0);
        failures.AtLeast("Aggregate:MaxGroups", options.Aggregate.MaxGroups, 1);
        if (options.Aggregate.GroupBy is { } groupBy) failures.NoBlankItems("Aggregate:GroupBy", groupBy);
        Inhibition.InhibitRule.Compile(options.Inhibit, failures);

        return failures.Result;
    }

    /// <summary>Adds <c>key: line:column: message</c> per compile error (or <c>key: the condition is empty.</c>).</summary>
    public static void CheckCondition(IAlertConditionCompiler compiler, OptionsFailures failures, string key, string? condition)
    {
        if (string.IsNullOrWhiteSpace(condition))
        {
            failures.Add(key, "the condition is empty.");
            return;
        }
        foreach (var error in compiler.Compile(condition).Errors) failures.Add(key, error.ToString());
    }

    private static void CheckRegexes(OptionsFailures failures, string key, List<string> patterns)
    {
        for (var i = 0; i < patterns.Count; i++)
        {
            try
            {
                FilterStage.CompileRegex(patterns[i]);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException)
            {
                failures.Add($"{key}:{i}", $"not a valid regular expression (NonBacktracking): {e.Message}");
            }
        }
    }
}

/// <summary>Checks every <c>FalcoHook:Destinations:&lt;name&gt;:Condition</c> compiles, naming key and position.</summary>
public sealed class DestinationRoutingOptionsValidator(IAlertConditionCompiler compiler) : IValidateOptions<DestinationRoutingOptions>
{
    public ValidateOptionsResult Validate(string? name, DestinationRoutingOptions options)
    {
        var failures = new OptionsFailures("FalcoHook:Destinations");
        foreach (var (destination, settings) in options.Destinations.OrderBy(d => d.Key, StringComparer.Ordinal))
            if (settings.Condition is not null)
                PipelineOptionsValidator.CheckCondition(compiler, failures, $"{destination}:Condition", settings.Condition);
        return failures.Result;
    }
}
