using FalcoHook.Core.Events.Sqlite;
using Npgsql;
using NpgsqlTypes;

namespace FalcoHook.Core.Events.Postgres;

public sealed partial class PostgresEventStore
{
    /// <summary>
    /// Counts the matching alerts in the database, grouped by timeline bucket and priority and by each dimension, and
    /// ranks them as SQLite's store does (the same bucket choice, top keys and timeline), so both give the same stats.
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
        await CountAsync(connection, query, totals, bucketMs, cancellationToken).ConfigureAwait(false);
        var storms = await StormsAsync(connection, cancellationToken).ConfigureAwait(false);
        return totals.Result(rangeStart, to ?? now.ToUnixTimeMilliseconds(), storms);
    }

    private static async Task CountAsync(NpgsqlConnection connection, EventQuery query, StatsAccumulator totals, long bucketMs,
        CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        var where = PostgresEventFilter.Where(query, command, alertsOnly: true);
        // A tag counts once per alert; empty source, hostname and namespace are not counted.
        command.CommandText = $"""
            WITH m AS MATERIALIZED (SELECT e.seq, e.time, e.priority, e.rule, e.source, e.hostname, e.namespace, e.tags FROM events e WHERE {where})
            SELECT 0, time - ((time % @bucket) + @bucket) % @bucket, priority::text, count(*) FROM m GROUP BY 2, 3
            UNION ALL SELECT 1, 0, rule, count(*) FROM m GROUP BY 3
            UNION ALL SELECT 2, 0, source, count(*) FROM m WHERE source <> '' GROUP BY 3
            UNION ALL SELECT 3, 0, hostname, count(*) FROM m WHERE hostname <> '' GROUP BY 3
            UNION ALL SELECT 4, 0, namespace, count(*) FROM m WHERE namespace <> '' GROUP BY 3
            UNION ALL SELECT 5, 0, t, count(DISTINCT m.seq) FROM m, unnest(m.tags) AS t GROUP BY 3
            """;
        command.Parameters.Add(new NpgsqlParameter("bucket", NpgsqlDbType.Bigint) { Value = bucketMs });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var dimension = reader.GetInt32(0) switch
            {
                0 => SqliteEventSchema.Dimension.Priority,
                1 => SqliteEventSchema.Dimension.Rule,
                2 => SqliteEventSchema.Dimension.Source,
                3 => SqliteEventSchema.Dimension.Hostname,
                4 => SqliteEventSchema.Dimension.Namespace,
                _ => SqliteEventSchema.Dimension.Tag,
            };
            totals.AddCount(reader.GetInt64(1), dimension, reader.GetString(2), reader.GetInt64(3));
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
