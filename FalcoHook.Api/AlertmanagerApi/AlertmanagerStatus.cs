using System.Diagnostics;
using System.Reflection;
using FalcoHook.Core.Inhibition;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.TimeIntervals;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using YamlDotNet.Serialization;

namespace FalcoHook.Api.AlertmanagerApi;

/// <summary>
/// <c>GET /api/v2/status</c>: no cluster (<c>disabled</c>), FalcoHook's version, and as <c>config.original</c> the routing
/// part of FalcoHook's configuration in Alertmanager's configuration shape (receivers by name, one route per destination,
/// inhibit rules, time intervals; no secrets), which <c>amtool config show</c> prints.
/// </summary>
public static class AlertmanagerStatus
{
    private static readonly DateTimeOffset Started = new(Process.GetCurrentProcess().StartTime.ToUniversalTime(), TimeSpan.Zero);

    public static Ok<AmStatus> Get(IOptions<DestinationRoutingOptions> destinations, IOptions<PipelineOptions> pipeline,
        IOptions<TimeIntervalsOptions> intervals)
    {
        var assembly = typeof(AlertmanagerStatus).Assembly;
        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? assembly.GetName().Version?.ToString() ?? "0.0.0";
        var plus = version.IndexOf('+');
        return TypedResults.Ok(new AmStatus(
            new AmClusterStatus("disabled", []),
            new AmVersionInfo(plus < 0 ? version : version[..plus], plus < 0 ? "" : version[(plus + 1)..], "", "", "",
                $".NET {Environment.Version}"),
            new AmConfig(ConfigYaml(destinations.Value, pipeline.Value, intervals.Value)),
            AmTime.Of(Started)));
    }

    public static string ConfigYaml(DestinationRoutingOptions destinations, PipelineOptions pipeline, TimeIntervalsOptions intervals)
    {
        var names = destinations.Destinations.Keys.Order(StringComparer.Ordinal).ToList();
        var config = new Dictionary<string, object>
        {
            ["route"] = new Dictionary<string, object>
            {
                ["receiver"] = "unrouted",
                ["routes"] = names.Select(name => Route(name, destinations.Destinations[name])).ToList(),
            },
            ["receivers"] = (List<object>)[new Dictionary<string, object> { ["name"] = "unrouted" }, .. names.Select(name => new Dictionary<string, object> { ["name"] = name })],
        };
        if (pipeline.Inhibit.Count > 0)
            config["inhibit_rules"] = pipeline.Inhibit.Select(rule => new Dictionary<string, object>
            {
                ["source_matchers"] = rule.SourceMatchers,
                ["target_matchers"] = rule.TargetMatchers,
                ["equal"] = rule.Equal,
            }).ToList();
        if (intervals.TimeIntervals.Count > 0)
            config["time_intervals"] = intervals.TimeIntervals.OrderBy(i => i.Key, StringComparer.Ordinal).Select(i => new Dictionary<string, object>
            {
                ["name"] = i.Key,
                ["time_intervals"] = i.Value.Select(Interval).ToList(),
            }).ToList();
        return new SerializerBuilder().Build().Serialize(config);
    }

    private static Dictionary<string, object> Route(string name, Core.Destinations.DestinationOptions destination)
    {
        var route = new Dictionary<string, object> { ["receiver"] = name, ["continue"] = true };
        if (destination.MuteTimeIntervals.Count > 0) route["mute_time_intervals"] = destination.MuteTimeIntervals;
        if (destination.ActiveTimeIntervals.Count > 0) route["active_time_intervals"] = destination.ActiveTimeIntervals;
        return route;
    }

    private static Dictionary<string, object> Interval(TimeIntervalOptions interval)
    {
        var yaml = new Dictionary<string, object>();
        if (interval.Times.Count > 0) yaml["times"] = interval.Times.Select(t => new Dictionary<string, string> { ["start_time"] = t.StartTime, ["end_time"] = t.EndTime }).ToList();
        if (interval.Weekdays.Count > 0) yaml["weekdays"] = interval.Weekdays;
        if (interval.DaysOfMonth.Count > 0) yaml["days_of_month"] = interval.DaysOfMonth;
        if (interval.Months.Count > 0) yaml["months"] = interval.Months;
        if (interval.Years.Count > 0) yaml["years"] = interval.Years;
        if (!string.IsNullOrEmpty(interval.Location)) yaml["location"] = interval.Location;
        return yaml;
    }
}
