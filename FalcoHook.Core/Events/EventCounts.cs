using System.Data.Common;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Events;

/// <summary>
/// The alert counts both stores keep beside their events, written in the events' transaction: <c>event_counts</c> per hour
/// of the alert's time and <c>event_days</c> per day, each keyed by (dimension, hour or day, priority, source, value). A row of
/// <see cref="Dim.Alerts"/> (value empty) counts the alerts of its hour, priority and source; the rows of the other
/// dimensions count them per rule, hostname, namespace and tag (a tag once per alert; empty hostnames and namespaces are
/// not counted). Stats filtered by nothing but time, minimum priority and source read these rows: the timeline from the
/// hourly <see cref="Dim.Alerts"/> rows, the dimensions from the days wholly in the range and the hours at its ends.
/// </summary>
internal static class EventCounts
{
    /// <summary>The dimensions of the count tables (2 is not used: the source is a column of every row).</summary>
    public enum Dim
    {
        Alerts = 0,
        Rule = 1,
        Hostname = 3,
        Namespace = 4,
        Tag = 5,
    }

    public const long HourMs = 3_600_000;
    public const long HoursPerDay = 24;

    /// <summary>The dimensions other than <see cref="Dim.Alerts"/>, as SQL.</summary>
    private const string ValueDims = "1, 3, 4, 5";

    /// <summary>One row's key: its dimension, hour, the alerts' priority and source, and the value counted.</summary>
    public readonly record struct Key(Dim Dim, long Hour, int Priority, string Source, string Value) : IComparable<Key>
    {
        public long Day => Hour / HoursPerDay;

        /// <summary>Rows are written in this order, so writers of overlapping batches take row locks in one order.</summary>
        public int CompareTo(Key other)
        {
            var c = Dim.CompareTo(other.Dim);
            if (c == 0) c = Hour.CompareTo(other.Hour);
            if (c == 0) c = Priority.CompareTo(other.Priority);
            if (c == 0) c = string.CompareOrdinal(Source, other.Source);
            if (c == 0) c = string.CompareOrdinal(Value, other.Value);
            return c;
        }
    }

    /// <summary>The hour an alert of <paramref name="timeMs"/> is counted in (as the SQL <c>time / 3600000</c> of both stores).</summary>
    public static long HourOf(long timeMs) => timeMs / HourMs;

    /// <summary>Adds one alert's rows to <paramref name="counts"/> (values as the store keeps them: <paramref name="clean"/> applied).</summary>
    public static void Add(Dictionary<Key, long> counts, long timeMs, FalcoAlert alert, string ns, Func<string, string> clean)
    {
        var hour = HourOf(timeMs);
        var priority = (int)alert.Priority;
        var source = clean(alert.Source ?? "");
        void Bump(Dim dim, string value)
        {
            var key = new Key(dim, hour, priority, source, value);
            counts[key] = counts.GetValueOrDefault(key) + 1;
        }
        Bump(Dim.Alerts, "");
        Bump(Dim.Rule, clean(alert.Rule));
        if (!string.IsNullOrEmpty(alert.Hostname)) Bump(Dim.Hostname, clean(alert.Hostname));
        if (ns.Length > 0) Bump(Dim.Namespace, clean(ns));
        foreach (var tag in alert.Tags.Select(clean).Distinct(StringComparer.Ordinal)) Bump(Dim.Tag, tag);
    }

    /// <summary>True when the counts answer <paramref name="query"/>: it filters by time, minimum priority and source only.</summary>
    public static bool Answer(EventQuery query) =>
        query.Rule is null && query.Hostname is null && query.Namespace is null && query.Tags.Count == 0 && query.Fields.Count == 0 &&
        string.IsNullOrWhiteSpace(query.Text) && query.Outcome is null && query.Kind is null;

    /// <summary>
    /// Adds the counts of the whole hours [<paramref name="firstHour"/>, <paramref name="endHour"/>) (null: unbounded) that
    /// match <paramref name="query"/>'s priority and source to <paramref name="totals"/>. <paramref name="command"/> is on an
    /// open connection; <paramref name="prefix"/> is the provider's parameter prefix.
    /// </summary>
    public static async Task ReadAsync(DbCommand command, char prefix, EventQuery query, long? firstHour, long? endHour, StatsAccumulator totals,
        CancellationToken cancellationToken)
    {
        // The timeline, the total, priorities and sources: the hourly alert rows.
        await ReadRowsAsync(command, prefix, query, "event_counts", "hour", firstHour, endHour, alerts: true, totals, cancellationToken).ConfigureAwait(false);

        // The other dimensions: the days wholly inside the range, and the hours at either end outside them.
        long? firstDay = firstHour is { } fh ? -StatsAccumulator.FloorDiv(-fh, HoursPerDay) : null;
        long? endDay = endHour is { } eh ? StatsAccumulator.FloorDiv(eh, HoursPerDay) : null;
        if (firstDay is { } a && endDay is { } z && a >= z)
        {
            await ReadRowsAsync(command, prefix, query, "event_counts", "hour", firstHour, endHour, alerts: false, totals, cancellationToken).ConfigureAwait(false);
            return;
        }
        await ReadRowsAsync(command, prefix, query, "event_days", "day", firstDay, endDay, alerts: false, totals, cancellationToken).ConfigureAwait(false);
        if (firstHour is { } from)
            await ReadRowsAsync(command, prefix, query, "event_counts", "hour", from, firstDay!.Value * HoursPerDay, alerts: false, totals, cancellationToken)
                .ConfigureAwait(false);
        if (endHour is { } to)
            await ReadRowsAsync(command, prefix, query, "event_counts", "hour", endDay!.Value * HoursPerDay, to, alerts: false, totals, cancellationToken)
                .ConfigureAwait(false);
    }

    private static async Task ReadRowsAsync(DbCommand command, char prefix, EventQuery query, string table, string period, long? from, long? to,
        bool alerts, StatsAccumulator totals, CancellationToken cancellationToken)
    {
        if (from is { } f && to is { } t && f >= t) return;
        command.Parameters.Clear();
        var where = alerts ? "dim = 0" : $"dim IN ({ValueDims})";
        void Add(string clause, string name, object value)
        {
            where += $" AND {clause} {prefix}{name}";
            var parameter = command.CreateParameter();
            parameter.ParameterName = prefix + name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        if (from is { } start) Add($"{period} >=", "from", start);
        if (to is { } end) Add($"{period} <", "to", end);
        if (query.MinimumPriority is { } p) Add("priority >=", "priority", (int)p);
        if (query.Source is { } source) Add("source =", "source", source);
        command.CommandText = alerts
            ? $"SELECT hour, priority, source, n FROM event_counts WHERE {where}"
            : $"SELECT dim, key, CAST(SUM(n) AS BIGINT) FROM {table} WHERE {where} GROUP BY dim, key";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            if (alerts)
                totals.AddAlerts(reader.GetInt64(0) * HourMs, Convert.ToInt32(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture),
                    reader.GetString(2), reader.GetInt64(3));
            else totals.AddValue((Dim)Convert.ToInt32(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture), reader.GetString(1), reader.GetInt64(2));
        }
    }
}
