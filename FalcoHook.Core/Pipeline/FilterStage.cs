using System.Text.RegularExpressions;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Pipeline;

/// <summary>
/// Filter: drops what nobody wants, counted in <c>falcohook.pipeline.dropped</c> by <c>reason</c> (the first
/// that applies, in this order): <c>priority</c> (below MinimumPriority), <c>source</c> (not in Sources),
/// <c>required_tags</c> (a required tag missing), <c>excluded_tags</c>, <c>rule</c> (IncludeRules not matched or
/// ExcludeRules matched), <c>output</c> (likewise), <c>drop_rule</c> (a <c>FalcoHook:Pipeline:Drop</c> condition matched).
/// </summary>
public sealed class FilterStage : IPipelineStage, IExplainingStage
{
    private const RegexOptions Options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant;

    private readonly FilterOptions _options;
    private readonly PipelineTelemetry _telemetry;
    private readonly Regex[] _includeRules, _excludeRules, _includeOutputs, _excludeOutputs;
    private readonly HashSet<string> _sources;
    private readonly IReadOnlyList<Func<FalcoAlert, bool>> _drop;

    public FilterStage(FilterOptions options, IReadOnlyList<string> drop, IAlertConditionCompiler compiler, PipelineTelemetry telemetry)
    {
        _options = options;
        _telemetry = telemetry;
        _includeRules = Compile(options.IncludeRules);
        _excludeRules = Compile(options.ExcludeRules);
        _includeOutputs = Compile(options.IncludeOutputs);
        _excludeOutputs = Compile(options.ExcludeOutputs);
        _sources = new HashSet<string>(options.Sources, StringComparer.OrdinalIgnoreCase);
        _drop = drop.Select((condition, i) => compiler.Compile(condition).GetPredicateOrThrow($"{PipelineOptions.Section}:Drop:{i}")).ToList();
    }

    public string Name => "filter";

    public static Regex CompileRegex(string pattern) => new(pattern, Options);

    private static Regex[] Compile(IEnumerable<string> patterns) => patterns.Select(CompileRegex).ToArray();

    public ValueTask<IReadOnlyList<Notification>> ProcessAsync(IReadOnlyList<Notification> batch, CancellationToken cancellationToken)
    {
        var output = new List<Notification>(batch.Count);
        foreach (var notification in batch)
        {
            var reason = DropReason(notification.Alert);
            if (reason is null) output.Add(notification);
            else _telemetry.Dropped.Add(1, new KeyValuePair<string, object?>("reason", reason));
        }
        return ValueTask.FromResult<IReadOnlyList<Notification>>(output);
    }

    public PipelineDecision Explain(Notification held) => new(Name, DecisionKind.Dropped, DropReason(held.Alert));

    /// <summary>Why the alert is dropped, or null when it passes.</summary>
    public string? DropReason(FalcoAlert alert)
    {
        if (alert.Priority < _options.MinimumPriority) return "priority";
        if (_sources.Count > 0 && !_sources.Contains(alert.Source ?? "syscall")) return "source";
        foreach (var tag in _options.RequiredTags) if (!alert.HasTag(tag)) return "required_tags";
        foreach (var tag in _options.ExcludedTags) if (alert.HasTag(tag)) return "excluded_tags";
        if (!Passes(alert.Rule, _includeRules, _excludeRules)) return "rule";
        if (!Passes(alert.Output, _includeOutputs, _excludeOutputs)) return "output";
        foreach (var drop in _drop) if (drop(alert)) return "drop_rule";
        return null;
    }

    private static bool Passes(string text, Regex[] include, Regex[] exclude)
    {
        if (include.Length > 0 && !AnyMatch(include, text)) return false;
        return !AnyMatch(exclude, text);
    }

    private static bool AnyMatch(Regex[] patterns, string text)
    {
        foreach (var pattern in patterns) if (pattern.IsMatch(text)) return true;
        return false;
    }
}
