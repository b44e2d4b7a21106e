using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Pipeline;

/// <summary>
/// Checks <c>FalcoHook:Pipeline</c> at start-up. Every failure names its exact key; a drop rule that does not
/// compile also gives the position: <c>FalcoHook:Pipeline:Drop:0: 1:12: unexpected token ')'</c>.
/// </summary>
public sealed class PipelineOptionsValidator(IAlertConditionCompiler compiler) : IValidateOptions<PipelineOptions>
{
    private const string Section = PipelineOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, PipelineOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.Drop.Count; i++)
            CheckCondition(compiler, $"{Section}:Drop:{i}", options.Drop[i], failures);

        var filter = options.Filter;
        CheckRegexes($"{Section}:Filter:IncludeRules", filter.IncludeRules, failures);
        CheckRegexes($"{Section}:Filter:ExcludeRules", filter.ExcludeRules, failures);
        CheckRegexes($"{Section}:Filter:IncludeOutputs", filter.IncludeOutputs, failures);
        CheckRegexes($"{Section}:Filter:ExcludeOutputs", filter.ExcludeOutputs, failures);
        CheckNotBlank($"{Section}:Filter:RequiredTags", filter.RequiredTags, failures);
        CheckNotBlank($"{Section}:Filter:ExcludedTags", filter.ExcludedTags, failures);
        CheckNotBlank($"{Section}:Filter:Sources", filter.Sources, failures);
        CheckNotBlank($"{Section}:Enrich:Tags", options.Enrich.Tags, failures);

        CheckPositive($"{Section}:Dedup:Window", options.Dedup.Window, failures);
        CheckAtLeast($"{Section}:Dedup:MaxKeys", options.Dedup.MaxKeys, 1, failures);
        if (options.Dedup.Fields is { } fields) CheckNotBlank($"{Section}:Dedup:Fields", fields, failures);

        CheckPositive($"{Section}:Aggregate:Window", options.Aggregate.Window, failures);
        CheckAtLeast($"{Section}:Aggregate:Threshold", options.Aggregate.Threshold, 1, failures);
        CheckAtLeast($"{Section}:Aggregate:SampleValues", options.Aggregate.SampleValues, 0, failures);
        CheckAtLeast($"{Section}:Aggregate:MaxGroups", options.Aggregate.MaxGroups, 1, failures);
        if (options.Aggregate.GroupBy is { } groupBy) CheckNotBlank($"{Section}:Aggregate:GroupBy", groupBy, failures);

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Adds <c>key: line:column: message</c> per compile error (or <c>key: the condition is empty.</c>).</summary>
    public static void CheckCondition(IAlertConditionCompiler compiler, string key, string? condition, List<string> failures)
    {
        if (string.IsNullOrWhiteSpace(condition))
        {
            failures.Add($"{key}: the condition is empty.");
            return;
        }
        foreach (var error in compiler.Compile(condition).Errors) failures.Add($"{key}: {error}");
    }

    private static void CheckRegexes(string key, List<string> patterns, List<string> failures)
    {
        for (var i = 0; i < patterns.Count; i++)
        {
            try
            {
                FilterStage.CompileRegex(patterns[i]);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException)
            {
                failures.Add($"{key}:{i}: not a valid regular expression (NonBacktracking): {e.Message}");
            }
        }
    }

    private static void CheckNotBlank(string key, List<string> values, List<string> failures)
    {
        for (var i = 0; i < values.Count; i++)
            if (string.IsNullOrWhiteSpace(values[i])) failures.Add($"{key}:{i}: must not be empty.");
    }

    private static void CheckPositive(string key, TimeSpan value, List<string> failures)
    {
        if (value <= TimeSpan.Zero) failures.Add($"{key}: must be a positive duration such as 00:01:00 (got {value}).");
    }

    private static void CheckAtLeast(string key, int value, int minimum, List<string> failures)
    {
        if (value < minimum) failures.Add($"{key}: must be at least {minimum} (got {value}).");
    }
}

/// <summary>Checks every <c>FalcoHook:Destinations:&lt;name&gt;:Condition</c> compiles, naming key and position.</summary>
public sealed class DestinationRoutingOptionsValidator(IAlertConditionCompiler compiler) : IValidateOptions<DestinationRoutingOptions>
{
    public ValidateOptionsResult Validate(string? name, DestinationRoutingOptions options)
    {
        var failures = new List<string>();
        foreach (var (destination, settings) in options.Destinations.OrderBy(d => d.Key, StringComparer.Ordinal))
            if (settings.Condition is not null)
                PipelineOptionsValidator.CheckCondition(compiler, $"FalcoHook:Destinations:{destination}:Condition", settings.Condition, failures);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
