using FalcoHook.Core.Configuration;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.TimeIntervals;

/// <summary>
/// The named time intervals: those of <c>FalcoHook:TimeIntervals</c>, and those put through the API, which
/// <see cref="TimeIntervalCatalog"/> swaps in whole (<see cref="ReplaceStored"/>) so the router sees a change at once.
/// A name covers an instant when any of its intervals does; a configuration name wins over a stored one.
/// </summary>
public sealed class TimeIntervalSet
{
    public const string Section = "FalcoHook:TimeIntervals";

    private static readonly IReadOnlyDictionary<string, IReadOnlyList<TimeInterval>> None = new Dictionary<string, IReadOnlyList<TimeInterval>>();

    private readonly Dictionary<string, IReadOnlyList<TimeInterval>> _intervals;
    private volatile IReadOnlyDictionary<string, IReadOnlyList<TimeInterval>> _stored = None;

    private TimeIntervalSet(Dictionary<string, IReadOnlyList<TimeInterval>> intervals) => _intervals = intervals;

    /// <summary>A new set without intervals.</summary>
    public static TimeIntervalSet Empty => new(new Dictionary<string, IReadOnlyList<TimeInterval>>(StringComparer.Ordinal));

    public IReadOnlyCollection<string> Names => [.. _intervals.Keys.Union(_stored.Keys, StringComparer.Ordinal)];

    public bool Has(string name) => _intervals.ContainsKey(name) || _stored.ContainsKey(name);

    /// <summary>Whether <paramref name="name"/> is one of configuration's.</summary>
    public bool IsConfigured(string name) => _intervals.ContainsKey(name);

    /// <summary>Whether <paramref name="name"/> covers <paramref name="instant"/>; an unknown name covers nothing.</summary>
    public bool Covers(string name, DateTimeOffset instant) =>
        (_intervals.TryGetValue(name, out var intervals) || _stored.TryGetValue(name, out intervals)) && intervals.Any(i => i.Contains(instant));

    /// <summary>Replaces the intervals put through the API with <paramref name="stored"/>.</summary>
    public void ReplaceStored(IReadOnlyDictionary<string, IReadOnlyList<TimeInterval>> stored) => _stored = stored;

    /// <summary>The set, with every problem added to <paramref name="failures"/> (section <see cref="Section"/>).</summary>
    public static TimeIntervalSet Compile(TimeIntervalsOptions options, OptionsFailures? failures = null)
    {
        failures ??= new OptionsFailures(Section);
        var intervals = new Dictionary<string, IReadOnlyList<TimeInterval>>(StringComparer.Ordinal);
        foreach (var (name, list) in options.TimeIntervals)
        {
            var compiled = new List<TimeInterval>();
            for (var i = 0; i < list.Count; i++)
                if (TimeInterval.Compile(list[i], $"{name}:{i}", failures) is { } interval) compiled.Add(interval);
            intervals[name] = compiled;
        }
        return new TimeIntervalSet(intervals);
    }
}

/// <summary>Checks <c>FalcoHook:TimeIntervals</c> at start-up, naming each bad key (<c>FalcoHook:TimeIntervals:weekend:0:Weekdays:0</c>).</summary>
public sealed class TimeIntervalsOptionsValidator : IValidateOptions<TimeIntervalsOptions>
{
    public ValidateOptionsResult Validate(string? name, TimeIntervalsOptions options)
    {
        var failures = new OptionsFailures(TimeIntervalSet.Section);
        TimeIntervalSet.Compile(options, failures);
        return failures.Result;
    }
}

/// <summary>
/// Checks that every destination's <c>MuteTimeIntervals</c> and <c>ActiveTimeIntervals</c> name a time interval of
/// configuration or, with a <see cref="TimeIntervalCatalog"/>, one put through the API (read from its store at start-up).
/// </summary>
public sealed class TimeIntervalReferencesValidator(IOptions<TimeIntervalsOptions> intervals, TimeIntervalCatalog? catalog = null)
    : IValidateOptions<Pipeline.DestinationRoutingOptions>
{
    public ValidateOptionsResult Validate(string? name, Pipeline.DestinationRoutingOptions options)
    {
        var failures = new OptionsFailures("FalcoHook:Destinations");
        var known = new HashSet<string>(intervals.Value.TimeIntervals.Keys, StringComparer.Ordinal);
        if (catalog is not null && options.Destinations.Values.Any(d => d.MuteTimeIntervals.Count > 0 || d.ActiveTimeIntervals.Count > 0))
            known.UnionWith(catalog.StoredNamesAtStart());
        foreach (var (destination, settings) in options.Destinations.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            Check(failures, known, $"{destination}:MuteTimeIntervals", settings.MuteTimeIntervals);
            Check(failures, known, $"{destination}:ActiveTimeIntervals", settings.ActiveTimeIntervals);
        }
        return failures.Result;
    }

    private static void Check(OptionsFailures failures, HashSet<string> known, string key, List<string> names)
    {
        for (var i = 0; i < names.Count; i++)
            if (!known.Contains(names[i] ?? ""))
                failures.Add($"{key}:{i}", $"no time interval '{names[i]}' in {TimeIntervalSet.Section} or put through /api/v1/time-intervals.");
    }
}
