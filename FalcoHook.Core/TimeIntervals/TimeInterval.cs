using System.Globalization;
using FalcoHook.Core.Configuration;

namespace FalcoHook.Core.TimeIntervals;

/// <summary>
/// A compiled <see cref="TimeIntervalOptions"/>: <see cref="Contains"/> says whether an instant falls in it, reading the
/// instant as the wall-clock time of its location (so a daylight-saving change moves the UTC instants the interval
/// covers, as Alertmanager does). Times of day are minutes [start, end).
/// </summary>
public sealed class TimeInterval
{
    private static readonly string[] WeekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"];
    private static readonly string[] MonthNames =
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"];

    private readonly List<(int Start, int End)> _times = [];
    private readonly List<(int Start, int End)> _weekdays = [];
    private readonly List<(int Start, int End)> _days = [];
    private readonly List<(int Start, int End)> _months = [];
    private readonly List<(int Start, int End)> _years = [];

    private TimeInterval(TimeZoneInfo location) => Location = location;

    public TimeZoneInfo Location { get; }

    public bool Contains(DateTimeOffset instant)
    {
        var local = TimeZoneInfo.ConvertTime(instant, Location);
        if (_years.Count > 0 && !_years.Any(r => local.Year >= r.Start && local.Year <= r.End)) return false;
        if (_months.Count > 0 && !_months.Any(r => local.Month >= r.Start && local.Month <= r.End)) return false;
        if (_days.Count > 0 && !_days.Any(r => InDays(r, local))) return false;
        var weekday = (int)local.DayOfWeek;
        if (_weekdays.Count > 0 && !_weekdays.Any(r => weekday >= r.Start && weekday <= r.End)) return false;
        var minute = local.Hour * 60 + local.Minute;
        return _times.Count == 0 || _times.Any(r => minute >= r.Start && minute < r.End);
    }

    private static bool InDays((int Start, int End) range, DateTimeOffset local)
    {
        var length = DateTime.DaysInMonth(local.Year, local.Month);
        int Resolve(int day) => day < 0 ? length + day + 1 : day;
        var (start, end) = (Resolve(range.Start), Math.Min(Resolve(range.End), length));
        return local.Day >= start && local.Day <= end;
    }

    /// <summary>The interval, or null with every problem added to <paramref name="failures"/> under <paramref name="key"/>.</summary>
    public static TimeInterval? Compile(TimeIntervalOptions options, string key, OptionsFailures failures)
    {
        var ok = true;
        TimeZoneInfo location = TimeZoneInfo.Utc;
        if (!string.IsNullOrEmpty(options.Location) && options.Location != "UTC")
        {
            try
            {
                location = options.Location == "Local" ? TimeZoneInfo.Local : TimeZoneInfo.FindSystemTimeZoneById(options.Location);
            }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                failures.Add($"{key}:Location", $"unknown time zone '{options.Location}' (an IANA name such as Europe/Berlin; the system's tzdata must have it).");
                ok = false;
            }
        }
        var interval = new TimeInterval(location);
        for (var i = 0; i < options.Times.Count; i++)
        {
            var (start, end) = (Minutes(options.Times[i].StartTime), Minutes(options.Times[i].EndTime));
            if (start is null || end is null || start >= end || start >= 24 * 60)
            {
                failures.Add($"{key}:Times:{i}", $"expected StartTime before EndTime as HH:MM (got '{options.Times[i].StartTime}' to '{options.Times[i].EndTime}').");
                ok = false;
            }
            else interval._times.Add((start.Value, end.Value));
        }
        ok &= Ranges(options.Weekdays, $"{key}:Weekdays", failures, interval._weekdays, text => Named(text, WeekdayNames, 0), 0, 6, "a weekday (monday…sunday)");
        ok &= Ranges(options.Months, $"{key}:Months", failures, interval._months, text => Named(text, MonthNames, 1) ?? Number(text, 1, 12), 1, 12, "a month (january…december or 1…12)");
        ok &= Ranges(options.Years, $"{key}:Years", failures, interval._years, text => Number(text, 1, 9999), 1, 9999, "a year");
        ok &= Ranges(options.DaysOfMonth, $"{key}:DaysOfMonth", failures, interval._days, text => Number(text, -31, 31) is { } d && d != 0 ? d : null, -31, 31, "a day of month (1…31 or -1…-31)");
        return ok ? interval : null;
    }

    private static bool Ranges(List<string> texts, string key, OptionsFailures failures, List<(int, int)> into, Func<string, int?> parse, int min, int max, string what)
    {
        var ok = true;
        for (var i = 0; i < texts.Count; i++)
        {
            var parts = (texts[i] ?? "").Trim().ToLowerInvariant().Split(':');
            int? start = parts.Length is 1 or 2 ? parse(parts[0].Trim()) : null;
            int? end = parts.Length == 2 ? parse(parts[1].Trim()) : start;
            var sameSign = start is null || end is null || Math.Sign(start.Value) == Math.Sign(end.Value);
            if (start is null || end is null || start > end || !sameSign || start < min || end > max)
            {
                failures.Add($"{key}:{i}", $"expected {what} or a range start:end (got '{texts[i]}').");
                ok = false;
            }
            else into.Add((start.Value, end.Value));
        }
        return ok;
    }

    private static int? Named(string text, string[] names, int first)
    {
        var index = Array.IndexOf(names, text);
        return index < 0 ? null : index + first;
    }

    private static int? Number(string text, int min, int max) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : null;

    private static int? Minutes(string text)
    {
        var parts = (text ?? "").Trim().Split(':');
        if (parts.Length != 2 || parts[0].Length is < 1 or > 2 || parts[1].Length != 2) return null;
        if (Number(parts[0], 0, 24) is not { } hours || Number(parts[1], 0, 59) is not { } minutes) return null;
        var total = hours * 60 + minutes;
        return total <= 24 * 60 ? total : null;
    }
}
