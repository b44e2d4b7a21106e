using Npgsql;
using NpgsqlTypes;

namespace FalcoHook.Core.Storage.Postgres;

/// <summary>The inbox and the dead inbox in PostgreSQL (tables <c>inbox</c>, <c>inbox_dead</c>).</summary>
public sealed class PostgresInboxStore(PostgresDatabase database) : IInboxStore
{
    public async Task<IReadOnlyList<InboxEntry>> AppendAsync(IReadOnlyList<InboxAppend> batches, DateTimeOffset received, CancellationToken cancellationToken)
    {
        var alerts = new List<string>();
        var traces = new List<string?>();
        var entries = new List<InboxEntry>();
        var receivedMs = received.ToUnixTimeMilliseconds();
        // Exactly what ReadAsync gives back (Received to the millisecond): delivery ids derive from it.
        var stored = DateTimeOffset.FromUnixTimeMilliseconds(receivedMs);
        foreach (var batch in batches)
            foreach (var alert in batch.Alerts)
            {
                var json = alert.ToJson();
                alerts.Add(json);
                traces.Add(batch.TraceParent);
                entries.Add(new InboxEntry(0, alert) { Received = stored, TraceParent = batch.TraceParent, Json = json });
            }
        if (entries.Count == 0) return [];

        // The group commit: one statement, one transaction, one durable commit for every request in the group. The ids
        // are drawn first and paired with the rows in ascending order, so they ascend in the order given.
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            WITH ids AS MATERIALIZED (SELECT nextval(pg_get_serial_sequence('inbox', 'id')) AS id FROM generate_series(1, @n)),
                 numbered AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM ids)
            INSERT INTO inbox (id, received, alert, trace_parent)
            SELECT numbered.id, @received, rows.alert, rows.trace
            FROM numbered JOIN unnest(@alerts, @traces) WITH ORDINALITY AS rows(alert, trace, n) ON rows.n = numbered.n
            RETURNING id;
            """, connection);
        command.Parameters.AddWithValue("n", entries.Count);
        command.Parameters.AddWithValue("received", receivedMs);
        command.Parameters.Add(new NpgsqlParameter("alerts", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = alerts });
        command.Parameters.Add(new NpgsqlParameter("traces", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = traces });
        var ids = new List<long>(entries.Count);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) ids.Add(reader.GetInt64(0));
        ids.Sort();
        for (var i = 0; i < entries.Count; i++) entries[i] = entries[i] with { Id = ids[i] };
        return entries;
    }

    public async Task<IReadOnlyList<InboxEntry>> ReadAfterAsync(long after, int max, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT id, received, alert, trace_parent FROM inbox WHERE id > @after ORDER BY id LIMIT @max;", connection);
        command.Parameters.AddWithValue("after", after);
        command.Parameters.AddWithValue("max", max);
        return await InboxRows.ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("DELETE FROM inbox WHERE id = ANY(@ids);", connection);
        command.Parameters.AddWithValue("ids", ids.ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT COUNT(*) FROM inbox;", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    public async Task<DateTimeOffset?> OldestReceivedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT received FROM inbox ORDER BY id LIMIT 1;", connection);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long received
            ? DateTimeOffset.FromUnixTimeMilliseconds(received)
            : null;
    }

    public async Task<bool> MoveToDeadAsync(long id, string error, int attempts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            WITH moved AS (DELETE FROM inbox WHERE id = @id RETURNING id, received, alert, trace_parent)
            INSERT INTO inbox_dead (id, received, alert, trace_parent, error, attempts, dead_at)
            SELECT id, received, alert, trace_parent, @error, @attempts, @now FROM moved
            ON CONFLICT (id) DO UPDATE SET received = excluded.received, alert = excluded.alert, trace_parent = excluded.trace_parent,
                error = excluded.error, attempts = excluded.attempts, dead_at = excluded.dead_at;
            """, connection);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("error", error);
        command.Parameters.AddWithValue("attempts", attempts);
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<bool> RequeueDeadAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            WITH moved AS (DELETE FROM inbox_dead WHERE id = @id RETURNING id, received, alert, trace_parent)
            INSERT INTO inbox (id, received, alert, trace_parent) SELECT id, received, alert, trace_parent FROM moved;
            """, connection);
        command.Parameters.AddWithValue("id", id);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    public async Task<IReadOnlyList<DeadInboxEntry>> ListDeadAsync(int max, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT id, received, alert, trace_parent, error, attempts, dead_at FROM inbox_dead ORDER BY id LIMIT @max;", connection);
        command.Parameters.AddWithValue("max", max);
        var entries = new List<DeadInboxEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            entries.Add(new DeadInboxEntry(reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.GetInt32(5),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
        return entries;
    }
}
