using Microsoft.Data.Sqlite;

namespace FalcoHook.Core.Events.Sqlite;

public sealed partial class SqliteEventStore
{
    /// <summary>
    /// A query on time, minimum priority and source reads whole hours and days from the counts (<see cref="EventCounts"/>)
    /// and only the partial hours at the edges from <c>events</c>, walking <c>events_key</c>; any other filter (or a bucket
    /// finer than an hour) counts the matching events, through the search index when text, tags, fields, rule, hostname or
    /// namespace narrow them and otherwise over the time range.
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
        if (EventCounts.Answer(query) && bucketMs % HourMs == 0)
        {
            long? firstHour = from is { } f ? CeilDiv(f, HourMs) : null;
            long? endHour = to is { } t ? StatsAccumulator.FloorDiv(t, HourMs) : null;
            if (firstHour is null || endHour is null || firstHour < endHour)
            {
                await using (var counts = connection.CreateCommand())
                    await EventCounts.ReadAsync(counts, '$', query, firstHour, endHour, totals, cancellationToken).ConfigureAwait(false);
                if (from is { } edgeFrom && firstHour is { } fh) await CountEventsAsync(connection, query, totals, edgeFrom, fh * HourMs, cancellationToken).ConfigureAwait(false);
                if (to is { } edgeTo && endHour is { } eh) await CountEventsAsync(connection, query, totals, eh * HourMs, edgeTo, cancellationToken).ConfigureAwait(false);
            }
            else await CountEventsAsync(connection, query, totals, from, to, cancellationToken).ConfigureAwait(false);
        }
        else await CountEventsAsync(connection, query, totals, from, to, cancellationToken).ConfigureAwait(false);

        var storms = await StormsAsync(connection, cancellationToken).ConfigureAwait(false);
        return totals.Result(rangeStart, to ?? now.ToUnixTimeMilliseconds(), storms);
    }

    private static async Task CountEventsAsync(SqliteConnection connection, EventQuery query, StatsAccumulator totals, long? from, long? to,
        CancellationToken cancellationToken)
    {
        if (from is { } f && to is { } t && f >= t) return;
        await using var command = connection.CreateCommand();
        var sql = SqliteEventFilter.Build(query, command, alertsOnly: true, fromMs: from, toMs: to, searchOnlyWhenNarrowing: true);
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
