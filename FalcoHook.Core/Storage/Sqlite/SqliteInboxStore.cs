using System.Globalization;
using Microsoft.Data.Sqlite;

namespace FalcoHook.Core.Storage.Sqlite;

public sealed class SqliteInboxStore(SqliteDatabase database) : IInboxStore
{
    public async Task<IReadOnlyList<InboxEntry>> AppendAsync(IReadOnlyList<InboxAppend> batches, DateTimeOffset received, CancellationToken cancellationToken)
    {
        // The 2xx of every request in the group stands on this commit: it goes first, and must survive a power loss.
        using var turn = await database.EnterWriteFirstAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenAsync(SqliteSync.Full, cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO inbox (received, alert, trace_parent) VALUES ($received, $alert, $trace) RETURNING id;";
        var receivedParameter = command.Parameters.Add("$received", SqliteType.Integer);
        var alertParameter = command.Parameters.Add("$alert", SqliteType.Text);
        var traceParameter = command.Parameters.Add("$trace", SqliteType.Text);
        var receivedMs = received.ToUnixTimeMilliseconds();
        receivedParameter.Value = receivedMs;
        // Exactly what ReadAsync would give back for the rows (Received to the millisecond, as stored): delivery ids
        // derive from it, and must not depend on whether the drain took a row from memory or from the file.
        var stored = DateTimeOffset.FromUnixTimeMilliseconds(receivedMs);
        var entries = new List<InboxEntry>();
        foreach (var batch in batches)
        {
            // Each caller's rows carry its own request's trace, though they share the transaction.
            traceParameter.Value = (object?)batch.TraceParent ?? DBNull.Value;
            foreach (var alert in batch.Alerts)
            {
                var json = alert.ToJson();
                alertParameter.Value = json;
                var id = Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
                entries.Add(new InboxEntry(id, alert) { Received = stored, TraceParent = batch.TraceParent, Json = json });
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return entries;
    }

    public async Task<IReadOnlyList<InboxEntry>> ReadAfterAsync(long after, int max, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, received, alert, trace_parent FROM inbox WHERE id > $after ORDER BY id LIMIT $max;";
        command.Parameters.AddWithValue("$after", after);
        command.Parameters.AddWithValue("$max", max);
        return await InboxRows.ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return;
        using var turn = await database.EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        // Drain bookkeeping: a power loss that undoes it means these rows are handled again, same delivery ids (SqliteSync).
        await using var connection = await database.OpenAsync(SqliteSync.Normal, cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM inbox WHERE id = $id;";
        var idParameter = command.Parameters.Add("$id", SqliteType.Integer);
        foreach (var id in ids)
        {
            idParameter.Value = id;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM inbox;";
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    public async Task<DateTimeOffset?> OldestReceivedAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT received FROM inbox ORDER BY id LIMIT 1;";
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long received
            ? DateTimeOffset.FromUnixTimeMilliseconds(received)
            : null;
    }

    public async Task<bool> MoveToDeadAsync(long id, string error, int attempts, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT OR REPLACE INTO inbox_dead (id, received, alert, trace_parent, error, attempts, dead_at)
            SELECT id, received, alert, trace_parent, $error, $attempts, $now FROM inbox WHERE id = $id;
            DELETE FROM inbox WHERE id = $id;
            """;
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$error", error);
        command.Parameters.AddWithValue("$attempts", attempts);
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        var changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changed > 0;
    }

    public async Task<bool> RequeueDeadAsync(long id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO inbox (id, received, alert, trace_parent)
            SELECT id, received, alert, trace_parent FROM inbox_dead WHERE id = $id;
            DELETE FROM inbox_dead WHERE id = $id;
            """;
        command.Parameters.AddWithValue("$id", id);
        var changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return changed > 0;
    }

    public async Task<IReadOnlyList<DeadInboxEntry>> ListDeadAsync(int max, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, received, alert, trace_parent, error, attempts, dead_at FROM inbox_dead ORDER BY id LIMIT $max;";
        command.Parameters.AddWithValue("$max", max);
        var entries = new List<DeadInboxEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            entries.Add(new DeadInboxEntry(reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4), reader.GetInt32(5),
                DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6))));
        return entries;
    }
}
