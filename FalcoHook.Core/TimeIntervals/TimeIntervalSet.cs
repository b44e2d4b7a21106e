using FalcoHook.Core.Configuration;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.TimeIntervals;

/// <summary>The named time intervals of <c>FalcoHook:TimeIntervals</c>; a name covers an instant when any of its intervals does.</summary>
public sealed class TimeIntervalSet
{
    public const string Section = "FalcoHook:TimeIntervals";

    private readonly Dictionary<string, IReadOnlyList<TimeInterval>> _intervals;

    private TimeIntervalSet(Dictionary<string, IReadOnlyList<TimeInterval>> intervals) => _intervals = intervals;

    public static readonly TimeIntervalSet Empty = new(new Dictionary<string, IReadOnlyList<TimeInterval>>(StringComparer.Ordinal));

    public IReadOnlyCollection<string> Names => _intervals.Keys;

    public bool Has(string name) => _intervals.ContainsKey(name);

    /// <summary>Whether <paramref name="name"/> covers <paramref name="instant"/>; an unknown name covers nothing.</summary>
    public bool Covers(string name, DateTimeOffset instant) =>
        _intervals.TryGetValue(name, out var intervals) && intervals.Any(i => i.Contains(instant));

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

/// <summary>Checks that every destination's <c>MuteTimeIntervals</c> and <c>ActiveTimeIntervals</c> name a configured time interval.</summary>
public sealed class TimeIntervalReferencesValidator(IOptions<TimeIntervalsOptions> intervals) : IValidateOptions<Pipeline.DestinationRoutingOptions>
{
    public ValidateOptionsResult Validate(string? name, Pipeline.DestinationRoutingOptions options)
    {
        var failures = new OptionsFailures("FalcoHook:Destinations");
        var known = intervals.Value.TimeIntervals;
        foreach (var (destination, settings) in options.Destinations.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            Check(failures, known, $"{destination}:MuteTimeIntervals", settings.MuteTimeIntervals);
            Check(failures, known, $"{destination}:ActiveTimeIntervals", settings.ActiveTimeIntervals);
        }
        return failures.Result;
    }

    private static void Check(OptionsFailures failures, Dictionary<string, List<TimeIntervalOptions>> known, string key, List<string> names)
    {
        for (var i = 0; i < names.Count; i++)
            if (!known.ContainsKey(names[i] ?? ""))
                failures.Add($"{key}:{i}", $"no time interval '{names[i]}' in {TimeIntervalSet.Section}.");
    }
}
