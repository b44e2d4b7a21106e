using System.Data.Common;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Storage.Postgres;
using Npgsql;
using NpgsqlTypes;

namespace FalcoHook.Core.Events.Postgres;

/// <summary>
/// The alert history in PostgreSQL (tables <c>events</c> and <c>event_summary_ids</c>), shared by every replica of the
/// database: an alert's id is its inbox row id and a summary's comes from its fingerprint's row, so ids are the same
/// whichever replica wrote them, and the cursor (time, id) is the one SQLite's store gives. Stats are in the other part.
/// </summary>
public sealed partial class PostgresEventStore(PostgresDatabase database) : IEventStore
{
    /// <summary>The transaction advisory lock a prune step takes ("FalcoEvt" in ASCII): replicas prune one at a time.</summary>
    public const long PruneLockKey = 0x46616C636F457674;

    private const string Columns =
        "e.id, e.kind, e.time, e.received, e.priority, e.rule, e.source, e.hostname, e.tags, e.outcome, e.fingerprint, e.summary_of, e.count, e.output";

    public async Task<IReadOnlyList<StoredEvent>> RecordAsync(IReadOnlyList<EventRecord> records, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (records.Count == 0) return [];
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        var stored = await PostgresEventWriter.WriteAsync(connection, transaction, records, now, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return stored;
    }

    public async Task<EventPage> QueryAsync(EventQuery query, string? cursor, int limit, CancellationToken cancellationToken)
    {
        limit = Math.Clamp(limit, 1, EventStore.MaxPageSize);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        var where = PostgresEventFilter.Where(query, command);
        if (PostgresEventFilter.TryParseCursor(cursor, out var afterTime, out var afterId))
        {
            where += " AND (e.time, e.id) < (@afterTime, @afterId)";
            command.Parameters.Add(new NpgsqlParameter("afterTime", NpgsqlDbType.Bigint) { Value = afterTime });
            command.Parameters.Add(new NpgsqlParameter("afterId", NpgsqlDbType.Bigint) { Value = afterId });
        }
        command.CommandText = $"SELECT {Columns} FROM events e WHERE {where} ORDER BY e.time DESC, e.id DESC LIMIT @limit";
        command.Parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = limit + 1 });
        var items = new List<StoredEvent>(limit);
        var more = false;
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
            }
        }
        var next = more ? PostgresEventFilter.Cursor(items[^1].Time.ToUnixTimeMilliseconds(), items[^1].Id) : null;
        return new EventPage(items, next);
    }

    public async Task<(EventDetail Detail, IReadOnlyList<EventDeliveryRef> Deliveries)?> GetAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        return await EventDetailQuery.ReadAsync(command, '@', Columns, Read, id, cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM events", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// One step of retention in one statement: the oldest rows by <c>seq</c>, the first <paramref name="excess"/> whatever
    /// their age and the rest if recorded before <paramref name="recordedBefore"/>, with their summaries' id rows. A
    /// step takes <see cref="PruneLockKey"/> or, when another replica is pruning, deletes nothing.
    /// </summary>
    public async Task<int> DeleteOldestAsync(DateTimeOffset recordedBefore, long excess, int max, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT pg_try_advisory_xact_lock({PruneLockKey})", connection, transaction);
        if (!(bool)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!) return 0;
        command.CommandText = """
            WITH oldest AS (SELECT seq, stored, row_number() OVER (ORDER BY seq) AS n FROM events ORDER BY seq LIMIT @max),
                 gone AS (DELETE FROM events e USING oldest o WHERE e.seq = o.seq AND (o.n <= @excess OR o.stored < @before)
                          RETURNING e.seq, e.id, e.kind, e.time, e.priority, e.source, e.rule, e.hostname, e.namespace, e.tags),
                 ids AS (DELETE FROM event_summary_ids s USING gone g WHERE g.kind = 1 AND s.seq = -g.id),
                 rows AS (SELECT dim, hour, priority, source, key, count(*) AS c FROM (
                            SELECT 0 AS dim, time / 3600000 AS hour, priority, source, '' AS key FROM gone WHERE kind = 0
                            UNION ALL SELECT 1, time / 3600000, priority, source, rule FROM gone WHERE kind = 0
                            UNION ALL SELECT 3, time / 3600000, priority, source, hostname FROM gone WHERE kind = 0 AND hostname <> ''
                            UNION ALL SELECT 4, time / 3600000, priority, source, namespace FROM gone WHERE kind = 0 AND namespace <> ''
                            UNION ALL SELECT 5, hour, priority, source, tag FROM (
                              SELECT DISTINCT g.seq, g.time / 3600000 AS hour, g.priority, g.source, t AS tag FROM gone g, unnest(g.tags) AS t WHERE g.kind = 0) AS x
                          ) AS r GROUP BY 1, 2, 3, 4, 5),
                 hours AS (UPDATE event_counts c SET n = c.n - r.c FROM rows r
                           WHERE c.dim = r.dim AND c.hour = r.hour AND c.priority = r.priority AND c.source = r.source AND c.key = r.key),
                 days AS (UPDATE event_days c SET n = c.n - r.c
                          FROM (SELECT dim, hour / 24 AS day, priority, source, key, sum(c) AS c FROM rows GROUP BY 1, 2, 3, 4, 5) AS r
                          WHERE c.dim = r.dim AND c.day = r.day AND c.priority = r.priority AND c.source = r.source AND c.key = r.key)
            SELECT count(*), min(time) / 3600000, max(time) / 3600000 FROM gone
            """;
        command.Parameters.AddWithValue("max", max);
        command.Parameters.AddWithValue("excess", excess);
        command.Parameters.AddWithValue("before", recordedBefore.ToUnixTimeMilliseconds());
        int deleted;
        long? firstHour, lastHour;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            deleted = (int)reader.GetInt64(0);
            firstHour = reader.IsDBNull(1) ? null : reader.GetInt64(1);
            lastHour = reader.IsDBNull(2) ? null : reader.GetInt64(2);
        }
        if (firstHour is { } a && lastHour is { } z)
        {
            // The counts that went to zero, in the hours (and days) the deleted events were in.
            command.Parameters.Clear();
            command.CommandText = """
                DELETE FROM event_counts WHERE n <= 0 AND dim IN (0, 1, 3, 4, 5) AND hour BETWEEN @a AND @z;
                DELETE FROM event_days WHERE n <= 0 AND dim IN (0, 1, 3, 4, 5) AND day BETWEEN @a / 24 AND @z / 24;
                """;
            command.Parameters.AddWithValue("a", a);
            command.Parameters.AddWithValue("z", z);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return deleted;
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
        Tags = reader.GetFieldValue<string[]>(8),
        Outcome = EventJson.TryParseOutcome(reader.GetString(9), out var outcome) ? outcome : DecisionKind.Unrouted,
        Fingerprint = reader.GetString(10),
        SummaryFingerprint = reader.IsDBNull(11) ? null : reader.GetString(11),
        Count = reader.IsDBNull(12) ? null : reader.GetInt64(12),
        Output = reader.GetString(13),
    };

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;
}
