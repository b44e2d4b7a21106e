using Npgsql;
using NpgsqlTypes;

namespace FalcoHook.Core.Events.Postgres;

public sealed partial class PostgresEventStore
{
    /// <summary>
    /// A query on time, minimum priority and source reads whole hours and days from the counts (<see cref="EventCounts"/>)
    /// and counts only the partial hours at the edges in <c>events</c>; any other filter (or a bucket finer than an hour)
    /// counts the matching alerts, grouped by timeline bucket, priority and source and by each dimension. Ranked as
    /// SQLite's store ranks them (the same bucket choice, top keys and timeline), so both give the same stats.
    /// </summary>
    public async Task<EventStats> StatsAsync(EventQuery query, TimeSpan? bucket, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        long? from = query.Since?.ToUnixTimeMilliseconds(), to = query.Until?.ToUnixTimeMilliseconds();
        var bucketMs = bucket is { } b ? (long)b.TotalMilliseconds : 0;
        long? rangeStart = from;
        if (bucketMs <= 0)
        {
            if (rangeStart is null)
            {
                await using var min = new NpgsqlCommand("SELECT min(time) FROM events WHERE kind = 0", connection);
                rangeStart = await min.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as long?;
            }
            var rangeEnd = to ?? now.ToUnixTimeMilliseconds();
            bucketMs = StatsAccumulator.AutoBucket(rangeStart is { } start ? rangeEnd - start : 0);
        }
        var totals = new StatsAccumulator(bucketMs);
        const long hourMs = EventCounts.HourMs;
        long? firstHour = from is { } f ? -StatsAccumulator.FloorDiv(-f, hourMs) : null;
        long? endHour = to is { } t ? StatsAccumulator.FloorDiv(t, hourMs) : null;
        if (EventCounts.Answer(query) && bucketMs % hourMs == 0 && (firstHour is null || endHour is null || firstHour < endHour))
        {
            await using (var counts = connection.CreateCommand())
                await EventCounts.ReadAsync(counts, '@', query, firstHour, endHour, totals, cancellationToken).ConfigureAwait(false);
            if (from is { } edgeFrom && firstHour is { } fh)
                await CountAsync(connection, query, totals, bucketMs, edgeFrom, fh * hourMs, cancellationToken).ConfigureAwait(false);
            if (to is { } edgeTo && endHour is { } eh)
                await CountAsync(connection, query, totals, bucketMs, eh * hourMs, edgeTo, cancellationToken).ConfigureAwait(false);
        }
        else await CountAsync(connection, query, totals, bucketMs, from, to, cancellationToken).ConfigureAwait(false);
        var storms = await StormsAsync(connection, cancellationToken).ConfigureAwait(false);
        return totals.Result(rangeStart, to ?? now.ToUnixTimeMilliseconds(), storms);
    }

    private static async Task CountAsync(NpgsqlConnection connection, EventQuery query, StatsAccumulator totals, long bucketMs, long? from, long? to,
        CancellationToken cancellationToken)
    {
        if (from is { } f && to is { } t && f >= t) return;
        await using var command = connection.CreateCommand();
        var where = PostgresEventFilter.Where(query, command, alertsOnly: true, fromMs: from, toMs: to);
        // A tag counts once per alert; empty source, hostname and namespace are not counted.
        command.CommandText = $"""
            WITH m AS MATERIALIZED (SELECT e.seq, e.time, e.priority, e.rule, e.source, e.hostname, e.namespace, e.tags FROM events e WHERE {where})
            SELECT 0, time - ((time % @bucket) + @bucket) % @bucket, priority, source, count(*) FROM m GROUP BY 2, 3, 4
            UNION ALL SELECT 1, 0, 0, rule, count(*) FROM m GROUP BY 4
            UNION ALL SELECT 3, 0, 0, hostname, count(*) FROM m WHERE hostname <> '' GROUP BY 4
            UNION ALL SELECT 4, 0, 0, namespace, count(*) FROM m WHERE namespace <> '' GROUP BY 4
            UNION ALL SELECT 5, 0, 0, t, count(DISTINCT m.seq) FROM m, unnest(m.tags) AS t GROUP BY 4
            """;
        command.Parameters.Add(new NpgsqlParameter("bucket", NpgsqlDbType.Bigint) { Value = bucketMs });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var dimension = (EventCounts.Dim)reader.GetInt32(0);
            if (dimension == EventCounts.Dim.Alerts) totals.AddAlerts(reader.GetInt64(1), reader.GetInt32(2), reader.GetString(3), reader.GetInt64(4));
            else totals.AddValue(dimension, reader.GetString(3), reader.GetInt64(4));
        }
    }

    private static async Task<IReadOnlyList<StormInProgress>> StormsAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT e.summary_of, min(e.rule), count(*), min(e.time), max(e.time) FROM events e
            WHERE e.summary_of IS NOT NULL AND NOT EXISTS (SELECT 1 FROM events s WHERE s.fingerprint = e.summary_of AND s.kind = 1)
            GROUP BY e.summary_of ORDER BY max(e.time) DESC LIMIT {EventStore.MaxStatsKeys}
            """, connection);
        var storms = new List<StormInProgress>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            storms.Add(new StormInProgress(reader.GetString(0), reader.GetString(1), reader.GetInt64(2),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4))));
        return storms;
    }
}
