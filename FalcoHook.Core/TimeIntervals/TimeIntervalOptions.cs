namespace FalcoHook.Core.TimeIntervals;

/// <summary>
/// <c>FalcoHook:TimeIntervals</c> (bind this class to <c>FalcoHook</c>): named time intervals in Alertmanager's shape,
/// each a list of <see cref="TimeIntervalOptions"/> (the name covers an instant when any of them does). A destination's
/// <c>MuteTimeIntervals</c> and <c>ActiveTimeIntervals</c> name them.
/// </summary>
public sealed class TimeIntervalsOptions
{
    public Dictionary<string, List<TimeIntervalOptions>> TimeIntervals { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One time interval (Alertmanager's <c>time_interval</c>): an instant is in it when it is in every list given (an empty
/// list means any), in <see cref="Location"/>'s local time. Ranges are written <c>start:end</c>, both ends included,
/// except times, whose end is excluded.
/// </summary>
public sealed class TimeIntervalOptions
{
    /// <summary>Times of day, <c>StartTime</c> included, <c>EndTime</c> excluded, <c>HH:MM</c> (<c>24:00</c> allowed as an end).</summary>
    public List<TimeRangeOptions> Times { get; set; } = [];

    /// <summary><c>monday</c>…<c>sunday</c>, or ranges such as <c>monday:friday</c>.</summary>
    public List<string> Weekdays { get; set; } = [];

    /// <summary>1…31, or -1…-31 counting from the month's last day, or ranges (<c>1:5</c>, <c>-3:-1</c>).</summary>
    public List<string> DaysOfMonth { get; set; } = [];

    /// <summary><c>january</c>…<c>december</c> or 1…12, or ranges (<c>june:august</c>).</summary>
    public List<string> Months { get; set; } = [];

    /// <summary>Years or ranges (<c>2026:2027</c>).</summary>
    public List<string> Years { get; set; } = [];

    /// <summary>An IANA time zone (<c>Europe/Berlin</c>); UTC when absent. <c>Local</c> is the machine's zone.</summary>
    public string? Location { get; set; }
}

/// <summary>A time-of-day range: <c>StartTime</c> (included) to <c>EndTime</c> (excluded), <c>HH:MM</c>.</summary>
public sealed class TimeRangeOptions
{
    public string StartTime { get; set; } = "";
    public string EndTime { get; set; } = "";
}
