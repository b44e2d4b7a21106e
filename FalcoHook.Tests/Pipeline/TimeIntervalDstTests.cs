using FalcoHook.Core.Configuration;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.TimeIntervals;

namespace FalcoHook.Tests.Pipeline;

/// <summary>
/// Time intervals at their edges on a fake clock, in Europe/Berlin across the daylight-saving changes of 2026
/// (29 March 02:00 CET → 03:00 CEST; 25 October 03:00 CEST → 02:00 CET), and a destination muted at routing.
/// </summary>
public sealed class TimeIntervalDstTests : IDisposable
{
    private readonly PipelineTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    private static TimeIntervalSet Set(params (string Key, string Value)[] settings)
    {
        var options = new TimeIntervalsOptions();
        var interval = new TimeIntervalOptions { Location = "Europe/Berlin" };
        foreach (var (key, value) in settings)
        {
            switch (key)
            {
                case "Times": var parts = value.Split('-'); interval.Times.Add(new TimeRangeOptions { StartTime = parts[0], EndTime = parts[1] }); break;
                case "Weekdays": interval.Weekdays.Add(value); break;
            }
        }
        options.TimeIntervals["window"] = [interval];
        var failures = new OptionsFailures(TimeIntervalSet.Section);
        var set = TimeIntervalSet.Compile(options, failures);
        Assert.True(failures.Result.Succeeded, string.Join("; ", failures.Result.Failures ?? []));
        return set;
    }

    [Fact]
    public void Berlin_is_known_here()
    {
        var berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
        Assert.Equal(TimeSpan.FromHours(2), berlin.GetUtcOffset(new DateTimeOffset(2026, 7, 1, 12, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void The_edges_follow_the_wall_clock_across_the_spring_change()
    {
        // 01:00–04:00 Berlin time on Sunday 29 March 2026: 00:00 UTC (CET) to 02:00 UTC (CEST); the hour 02:00–03:00 does not exist.
        var set = Set(("Times", "01:00-04:00"), ("Weekdays", "sunday"));
        Assert.False(set.Covers("window", new DateTimeOffset(2026, 3, 28, 23, 59, 59, TimeSpan.Zero)));
        Assert.True(set.Covers("window", new DateTimeOffset(2026, 3, 29, 0, 0, 0, TimeSpan.Zero)));
        Assert.True(set.Covers("window", new DateTimeOffset(2026, 3, 29, 1, 59, 59, TimeSpan.Zero)));
        Assert.False(set.Covers("window", new DateTimeOffset(2026, 3, 29, 2, 0, 0, TimeSpan.Zero))); // 04:00 CEST: end excluded
        // A week earlier (CET all along) the same wall-clock window is 00:00–03:00 UTC.
        Assert.True(set.Covers("window", new DateTimeOffset(2026, 3, 22, 2, 59, 59, TimeSpan.Zero)));
        Assert.False(set.Covers("window", new DateTimeOffset(2026, 3, 22, 3, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void The_repeated_hour_of_the_autumn_change_is_covered_twice()
    {
        // 02:00–03:00 Berlin time on 25 October 2026 happens twice: 00:00–01:00 UTC (CEST) and 01:00–02:00 UTC (CET).
        var set = Set(("Times", "02:00-03:00"));
        Assert.False(set.Covers("window", new DateTimeOffset(2026, 10, 24, 23, 59, 59, TimeSpan.Zero)));
        Assert.True(set.Covers("window", new DateTimeOffset(2026, 10, 25, 0, 0, 0, TimeSpan.Zero)));
        Assert.True(set.Covers("window", new DateTimeOffset(2026, 10, 25, 1, 30, 0, TimeSpan.Zero)));
        Assert.False(set.Covers("window", new DateTimeOffset(2026, 10, 25, 2, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void A_muted_destination_gets_nothing_while_the_interval_covers_now_and_the_delivery_is_recorded()
    {
        var set = Set(("Times", "01:00-04:00"), ("Weekdays", "sunday"));
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 3, 29, 1, 59, 59, TimeSpan.Zero));
        var router = new AlertRouter(new Dictionary<string, DestinationOptions>
        {
            ["pager"] = new() { Type = "webhook", MuteTimeIntervals = ["window"] },
            ["chat"] = new() { Type = "webhook" },
        }, _kit.Compiler, _kit.Telemetry, set, clock);
        var muted = PipelineTestKit.Wrap(PipelineTestKit.Alert());
        Assert.Equal(["chat"], Assert.Single(router.Route([muted])).Destinations);
        Assert.Equal("pager", Assert.Single(router.MutedFor(muted)).Destination);
        Assert.Equal(1, _kit.Metrics.Total("falcohook.pipeline.muted"));

        clock.Advance(TimeSpan.FromSeconds(1)); // 04:00 CEST: the window has ended
        Assert.Equal(["chat", "pager"], Assert.Single(router.Route([PipelineTestKit.Wrap(PipelineTestKit.Alert())])).Destinations);
        Assert.Equal(1, _kit.Metrics.Total("falcohook.pipeline.muted"));
    }
}
