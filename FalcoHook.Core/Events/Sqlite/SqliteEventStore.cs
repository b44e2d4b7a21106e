using System.Data.Common;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;
using Microsoft.Data.Sqlite;

namespace FalcoHook.Core.Events.Sqlite;

/// <summary>The alert history in its own SQLite file (<see cref="SqliteEventDatabase"/>); stats are in the other part.</summary>
public sealed partial class SqliteEventStore(SqliteEventDatabase database) : IEventStore
{
    internal const long HourMs = SqliteEventSchema.HourMs;

    private const string Columns =
        "e.id, e.kind, e.time, e.received, e.priority, e.rule, e.source, e.hostname, e.tags, e.outcome, e.fingerprint, e.summary_of, e.count, " +
        "json_extract(e.notification, '$.alert.output')";

    public async Task<IReadOnlyList<StoredEvent>> RecordAsync(IReadOnlyList<EventRecord> records, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (records.Count == 0) return [];
        using var turn = await database.EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        using var writer = new SqliteEventWriter(connection, transaction);
        var stored = new List<StoredEvent>(records.Count);
        foreach (var record in records) stored.Add(await writer.WriteAsync(record, now, cancellationToken).ConfigureAwait(false));
        await writer.FlushCountsAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return stored;
    }

    public async Task<EventPage> QueryAsync(EventQuery query, string? cursor, int limit, CancellationToken cancellationToken)
    {
        limit = Math.Clamp(limit, 1, EventStore.MaxPageSize);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        long? before = SqliteEventFilter.TryParseCursor(cursor, out var afterKey) ? afterKey : null;
        var sql = SqliteEventFilter.Build(query, command, beforeKey: before);
        command.CommandText = $"SELECT {Columns}, e.key FROM {sql.From} WHERE {sql.Where} ORDER BY {sql.Key} DESC LIMIT $limit";
        command.Parameters.AddWithValue("$limit", limit + 1);
        var items = new List<StoredEvent>(limit);
        var more = false;
        long lastKey = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                if (items.Count == limit)
                {
                    more = true;
                    break;
                }
                items.Add(Read(reader));
                lastKey = reader.GetInt64(14);
            }
        }
        var next = more ? SqliteEventFilter.Cursor(lastKey) : null;
        return new EventPage(items, next);
    }

    public async Task<(EventDetail Detail, IReadOnlyList<EventDeliveryRef> Deliveries)?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        return await EventDetailQuery.ReadAsync(command, '$', Columns, Read, id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM events";
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<int> DeleteOldestAsync(DateTimeOffset recordedBefore, long excess, int max, CancellationToken cancellationToken)
    {
        using var turn = await database.EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = (SqliteTransaction)await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        // The oldest rows in storage order: the first `excess` of them go whatever their age, the rest if expired.
        command.CommandText = "CREATE TEMP TABLE IF NOT EXISTS doomed (seq INTEGER PRIMARY KEY); DELETE FROM temp.doomed;";
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        command.CommandText = """
            INSERT INTO temp.doomed (seq)
              SELECT seq FROM (SELECT seq, stored, ROW_NUMBER() OVER (ORDER BY seq) AS n FROM events ORDER BY seq LIMIT $max)
              WHERE n <= $excess OR stored < $before;
            """;
        command.Parameters.AddWithValue("$max", max);
        command.Parameters.AddWithValue("$excess", excess);
        command.Parameters.AddWithValue("$before", recordedBefore.ToUnixTimeMilliseconds());
        var doomed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        if (doomed <= 0) return 0;
        command.Parameters.Clear();
        command.CommandText = $"""
            CREATE TEMP TABLE IF NOT EXISTS gone_counts (dim, hour, priority, source, key, c, PRIMARY KEY (dim, hour, priority, source, key)) WITHOUT ROWID;
            DELETE FROM temp.gone_counts;
            WITH e AS (SELECT events.* FROM events JOIN temp.doomed USING (seq))
            INSERT INTO temp.gone_counts SELECT dim, hour, priority, source, key, COUNT(*) FROM ({SqliteEventSchema.CountRows("e")}) GROUP BY 1, 2, 3, 4, 5;
            UPDATE event_counts SET n = n - g.c FROM temp.gone_counts AS g
            WHERE event_counts.dim = g.dim AND event_counts.hour = g.hour AND event_counts.priority = g.priority AND event_counts.source = g.source
              AND event_counts.key = g.key;
            DELETE FROM event_counts WHERE n <= 0 AND (dim, hour, priority, source, key) IN (SELECT dim, hour, priority, source, key FROM temp.gone_counts);
            UPDATE event_days SET n = n - g.c
            FROM (SELECT dim, hour / {EventCounts.HoursPerDay} AS day, priority, source, key, SUM(c) AS c FROM temp.gone_counts GROUP BY 1, 2, 3, 4, 5) AS g
            WHERE event_days.dim = g.dim AND event_days.day = g.day AND event_days.priority = g.priority AND event_days.source = g.source
              AND event_days.key = g.key;
            DELETE FROM event_days WHERE n <= 0
              AND (dim, day, priority, source, key) IN (SELECT dim, hour / {EventCounts.HoursPerDay}, priority, source, key FROM temp.gone_counts);
            DELETE FROM summary_ids WHERE seq IN (SELECT -e.id FROM events e JOIN temp.doomed USING (seq) WHERE e.kind = 1);
            DELETE FROM events_fts WHERE rowid IN (SELECT e.key FROM events e JOIN temp.doomed USING (seq));
            DELETE FROM events WHERE seq IN (SELECT seq FROM temp.doomed);
            """;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return doomed;
    }

    private static StoredEvent Read(DbDataReader reader) => new()
    {
        Id = reader.GetInt64(0),
        Kind = (EventKind)reader.GetInt32(1),
        Time = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
        Received = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
        Priority = (Priority)reader.GetInt32(4),
        Rule = reader.GetString(5),
        Source = NullIfEmpty(reader.GetString(6)),
        Hostname = NullIfEmpty(reader.GetString(7)),
        Tags = EventJson.ReadTags(reader.GetString(8)),
        Outcome = EventJson.TryParseOutcome(reader.GetString(9), out var outcome) ? outcome : DecisionKind.Unrouted,
        Fingerprint = reader.GetString(10),
        SummaryFingerprint = reader.IsDBNull(11) ? null : reader.GetString(11),
        Count = reader.IsDBNull(12) ? null : reader.GetInt64(12),
        Output = reader.IsDBNull(13) ? "" : reader.GetString(13),
    };

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;
}
