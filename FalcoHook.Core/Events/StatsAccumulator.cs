using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Events;

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

    /// <summary>A row of <see cref="EventCounts.Dim.Alerts"/>: <paramref name="n"/> alerts of this priority and source in the hour from <paramref name="hourStart"/>.</summary>
    public void AddAlerts(long hourStart, int priority, string source, long n)
    {
        _total += n;
        Bump(_priority, priority, n);
        if (source.Length > 0) Bump(_source, source, n);
        AddTimeline(hourStart, priority, n);
    }

    /// <summary><paramref name="n"/> alerts have <paramref name="value"/> in <paramref name="dimension"/>.</summary>
    public void AddValue(EventCounts.Dim dimension, string value, long n)
    {
        switch (dimension)
        {
            case EventCounts.Dim.Rule: Bump(_rule, value, n); break;
            case EventCounts.Dim.Hostname: Bump(_hostname, value, n); break;
            case EventCounts.Dim.Namespace: Bump(_namespace, value, n); break;
            case EventCounts.Dim.Tag: Bump(_tag, value, n); break;
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
