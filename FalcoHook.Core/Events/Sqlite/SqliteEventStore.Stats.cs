using FalcoHook.Core.Alerts;
using Microsoft.Data.Sqlite;

namespace FalcoHook.Core.Events.Sqlite;

public sealed partial class SqliteEventStore
{
    /// <summary>
    /// A query on time alone reads whole hours from <c>event_counts</c> and only the partial hours at the edges from
    /// <c>events</c>; any other filter (or a bucket finer than an hour) counts the matching events, found as a list finds them.
    /// </summary>
    public async Task<EventStats> StatsAsync(EventQuery query, TimeSpan? bucket, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        long? from = query.Since?.ToUnixTimeMilliseconds(), to = query.Until?.ToUnixTimeMilliseconds();
        var bucketMs = bucket is { } b ? (long)b.TotalMilliseconds : 0;
        long? rangeStart = from;
        if (bucketMs <= 0)
        {
            rangeStart ??= await ScalarAsync(connection, "SELECT time FROM events WHERE kind = 0 ORDER BY key LIMIT 1", cancellationToken).ConfigureAwait(false);
            var rangeEnd = to ?? now.ToUnixTimeMilliseconds();
            bucketMs = StatsAccumulator.AutoBucket(rangeStart is { } start ? rangeEnd - start : 0);
        }
        var totals = new StatsAccumulator(bucketMs);
        if (query.IsTimeOnly && bucketMs % HourMs == 0)
        {
            long? firstHour = from is { } f ? CeilDiv(f, HourMs) : null;
            long? endHour = to is { } t ? StatsAccumulator.FloorDiv(t, HourMs) : null;
            if (firstHour is null || endHour is null || firstHour < endHour)
            {
                await ReadCountsAsync(connection, totals, firstHour, endHour, cancellationToken).ConfigureAwait(false);
                if (from is { } edgeFrom && firstHour is { } fh) await CountEventsAsync(connection, query, totals, edgeFrom, fh * HourMs, cancellationToken).ConfigureAwait(false);
                if (to is { } edgeTo && endHour is { } eh) await CountEventsAsync(connection, query, totals, eh * HourMs, edgeTo, cancellationToken).ConfigureAwait(false);
            }
            else await CountEventsAsync(connection, query, totals, from, to, cancellationToken).ConfigureAwait(false);
        }
        else await CountEventsAsync(connection, query, totals, from, to, cancellationToken).ConfigureAwait(false);

        var storms = await StormsAsync(connection, cancellationToken).ConfigureAwait(false);
        return totals.Result(rangeStart, to ?? now.ToUnixTimeMilliseconds(), storms);
    }

    private static async Task ReadCountsAsync(SqliteConnection connection, StatsAccumulator totals, long? firstHour, long? endHour, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        var where = "1";
        if (firstHour is { } a) { where += " AND hour >= $a"; command.Parameters.AddWithValue("$a", a); }
        if (endHour is { } z) { where += " AND hour < $z"; command.Parameters.AddWithValue("$z", z); }
        command.CommandText = $"SELECT hour, dim, key, n FROM event_counts WHERE {where}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            totals.AddCount(reader.GetInt64(0) * HourMs, (SqliteEventSchema.Dimension)reader.GetInt32(1), reader.GetString(2), reader.GetInt64(3));
    }

    private static async Task CountEventsAsync(SqliteConnection connection, EventQuery query, StatsAccumulator totals, long? from, long? to,
        CancellationToken cancellationToken)
    {
        if (from is { } f && to is { } t && f >= t) return;
        await using var command = connection.CreateCommand();
        var sql = SqliteEventFilter.Build(query, command, alertsOnly: true, fromMs: from, toMs: to);
        command.CommandText = $"SELECT e.time, e.priority, e.rule, e.source, e.hostname, e.namespace, e.tags FROM {sql.From} WHERE {sql.Where}";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            totals.Add(reader.GetInt64(0), reader.GetInt32(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5), 1);
            var tags = reader.GetString(6);
            if (tags.Length > 2) foreach (var tag in EventJson.ReadTags(tags).Distinct(StringComparer.Ordinal)) totals.AddTag(tag, 1);
        }
    }

    private static async Task<IReadOnlyList<StormInProgress>> StormsAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT e.summary_of, MIN(e.rule), COUNT(*), MIN(e.time), MAX(e.time) FROM events e
            WHERE e.summary_of IS NOT NULL AND NOT EXISTS (SELECT 1 FROM events s WHERE s.fingerprint = e.summary_of AND s.kind = 1)
            GROUP BY e.summary_of ORDER BY MAX(e.time) DESC LIMIT {EventStore.MaxStatsKeys}
            """;
        var storms = new List<StormInProgress>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            storms.Add(new StormInProgress(reader.GetString(0), reader.GetString(1), reader.GetInt64(2),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        return storms;
    }

    private static async Task<long?> ScalarAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as long?;
    }

    private static long CeilDiv(long value, long divisor) => -StatsAccumulator.FloorDiv(-value, divisor);
}

/// <summary>Adds up counts by dimension and timeline bucket, then ranks them.</summary>
internal sealed class StatsAccumulator(long bucketMs)
{
    private static readonly long[] Buckets =
        [60_000, 300_000, 900_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000, 86_400_000, 604_800_000];

    /// <summary>Buckets wanted in a timeline at most (when the size is chosen here).</summary>
    public const int TargetBuckets = 60;

    /// <summary>Timelines with more buckets than this list only the buckets that have alerts.</summary>
    public const int MaxDenseBuckets = 500;

    private readonly Dictionary<int, long> _priority = [];
    private readonly Dictionary<string, long> _source = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _rule = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _hostname = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _namespace = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _tag = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, long[]> _timeline = [];
    private long _total;

    public static long AutoBucket(long rangeMs)
    {
        foreach (var size in Buckets)
            if (rangeMs / size < TargetBuckets) return size;
        return Buckets[^1];
    }

    public void Add(long time, int priority, string rule, string source, string hostname, string ns, long n)
    {
        _total += n;
        Bump(_priority, priority, n);
        Bump(_rule, rule, n);
        if (source.Length > 0) Bump(_source, source, n);
        if (hostname.Length > 0) Bump(_hostname, hostname, n);
        if (ns.Length > 0) Bump(_namespace, ns, n);
        AddTimeline(time, priority, n);
    }

    public static long FloorDiv(long value, long divisor) => value >= 0 ? value / divisor : -((-value + divisor - 1) / divisor);

    public void AddTag(string tag, long n) => Bump(_tag, tag, n);

    /// <summary>A row of <c>event_counts</c>: <paramref name="n"/> alerts in the hour from <paramref name="hourStart"/> have this key.</summary>
    public void AddCount(long hourStart, SqliteEventSchema.Dimension dimension, string key, long n)
    {
        switch (dimension)
        {
            case SqliteEventSchema.Dimension.Priority:
                var priority = int.Parse(key, System.Globalization.CultureInfo.InvariantCulture);
                _total += n;
                Bump(_priority, priority, n);
                AddTimeline(hourStart, priority, n);
                break;
            case SqliteEventSchema.Dimension.Rule: Bump(_rule, key, n); break;
            case SqliteEventSchema.Dimension.Source: Bump(_source, key, n); break;
            case SqliteEventSchema.Dimension.Hostname: Bump(_hostname, key, n); break;
            case SqliteEventSchema.Dimension.Namespace: Bump(_namespace, key, n); break;
            case SqliteEventSchema.Dimension.Tag: Bump(_tag, key, n); break;
        }
    }

    private void AddTimeline(long time, int priority, long n)
    {
        var start = FloorDiv(time, bucketMs) * bucketMs;
        if (!_timeline.TryGetValue(start, out var counts)) _timeline[start] = counts = new long[(int)Priority.Emergency + 1];
        if (priority >= 0 && priority < counts.Length) counts[priority] += n;
    }

    public EventStats Result(long? rangeStart, long rangeEnd, IReadOnlyList<StormInProgress> storms)
    {
        var timeline = new List<TimelineBucket>();
        var first = rangeStart is { } s ? FloorDiv(s, bucketMs) * bucketMs : 0;
        var dense = rangeStart is not null && (rangeEnd - first) / bucketMs <= MaxDenseBuckets && rangeEnd >= first;
        if (dense)
        {
            for (var start = first; start < rangeEnd; start += bucketMs)
                timeline.Add(Bucket(start, _timeline.GetValueOrDefault(start)));
            foreach (var (start, counts) in _timeline)
                if (start < first || start >= first + timeline.Count * bucketMs) timeline.Add(Bucket(start, counts));
            timeline.Sort((a, b) => a.Start.CompareTo(b.Start));
        }
        else foreach (var (start, counts) in _timeline) timeline.Add(Bucket(start, counts));

        return new EventStats
        {
            Total = _total,
            ByPriority = [.. _priority.OrderByDescending(p => p.Key).Select(p => new EventCount(((Priority)p.Key).ToFalcoString(), p.Value))],
            BySource = Top(_source),
            ByRule = Top(_rule),
            ByHostname = Top(_hostname),
            ByNamespace = Top(_namespace),
            ByTag = Top(_tag),
            BucketSize = TimeSpan.FromMilliseconds(bucketMs),
            Timeline = timeline,
            Storms = storms,
        };
    }

    private static TimelineBucket Bucket(long start, long[]? counts)
    {
        var byPriority = new Dictionary<string, long>(StringComparer.Ordinal);
        if (counts is not null)
            for (var p = counts.Length - 1; p >= 0; p--)
                if (counts[p] > 0) byPriority[((Priority)p).ToFalcoString()] = counts[p];
        return new TimelineBucket(DateTimeOffset.FromUnixTimeMilliseconds(start), byPriority);
    }

    private static IReadOnlyList<EventCount> Top(Dictionary<string, long> counts) =>
        [.. counts.OrderByDescending(p => p.Value).ThenBy(p => p.Key, StringComparer.Ordinal).Take(EventStore.MaxStatsKeys).Select(p => new EventCount(p.Key, p.Value))];

    private static void Bump<TKey>(Dictionary<TKey, long> counts, TKey key, long n) where TKey : notnull =>
        counts[key] = counts.GetValueOrDefault(key) + n;
}
