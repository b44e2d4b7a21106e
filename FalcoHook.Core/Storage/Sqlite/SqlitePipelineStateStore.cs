using FalcoHook.Core.Pipeline.State;
using Microsoft.Data.Sqlite;

namespace FalcoHook.Core.Storage.Sqlite;

/// <summary>
/// Dedup entries, open storm windows, inhibiting source alerts and the inbox rows applied to them, in the SQLite file
/// (tables <c>pipeline_dedup</c>, <c>pipeline_groups</c>, <c>pipeline_inhibit</c>, <c>pipeline_applied</c>). The stages keep the state in memory;
/// this is their write-through: one transaction per batch, only the keys that changed. A group's first alert and
/// key are written when its window opens; later batches update its counters (and samples when they changed).
/// </summary>
public sealed class SqlitePipelineStateStore(SqliteDatabase database) : IPipelineStateStore
{
    public async Task<PipelineState> LoadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction(deferred: true);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;

        var dedup = new List<DedupEntryState>();
        command.CommandText = "SELECT fingerprint, first, repeats FROM pipeline_dedup;";
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                dedup.Add(new DedupEntryState(reader.GetString(0), Ticks(reader.GetInt64(1)), reader.GetInt64(2)));

        var groups = new List<AggregateGroupState>();
        command.CommandText = "SELECT key, window_start, count, held, first_seen, last_seen, priority, samples, key_values, first FROM pipeline_groups;";
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                groups.Add(new AggregateGroupState
                {
                    Key = reader.GetString(0),
                    WindowStart = Ticks(reader.GetInt64(1)),
                    Count = reader.GetInt64(2),
                    Held = reader.GetInt64(3),
                    FirstSeenNanos = reader.GetInt64(4),
                    LastSeenNanos = reader.GetInt64(5),
                    Priority = reader.GetInt32(6),
                    Samples = reader.GetString(7),
                    KeyValues = reader.GetString(8),
                    First = reader.GetString(9),
                });

        var inhibit = new List<InhibitSourceState>();
        command.CommandText = "SELECT key, source, seen FROM pipeline_inhibit;";
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                inhibit.Add(new InhibitSourceState(reader.GetString(0), reader.GetString(1), Ticks(reader.GetInt64(2))));

        var applied = new List<long>();
        command.CommandText = "SELECT inbox_id FROM pipeline_applied;";
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) applied.Add(reader.GetInt64(0));

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new PipelineState(dedup, groups, applied) { InhibitSources = inhibit };
    }

    public async Task<IReadOnlyList<long>> SaveAsync(PipelineStateChanges changes, CancellationToken cancellationToken)
    {
        // Take the write turn like the inbox and outbox stores, so writers queue instead of sleeping in SQLite's busy handler.
        using var turn = await database.EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        // Drain bookkeeping (SqliteSync): a power loss can only undo a suffix of saves, and with them the inbox deletes
        // after them, so the rows are handled again from the state they were handled from before.
        await using var connection = await database.OpenAsync(SqliteSync.Normal, cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction(deferred: false);

        if (changes.DedupUpserts.Count > 0)
        {
            await using var upsert = Command(connection, transaction, """
                INSERT INTO pipeline_dedup (fingerprint, first, repeats) VALUES ($key, $first, $repeats)
                ON CONFLICT (fingerprint) DO UPDATE SET first = excluded.first, repeats = excluded.repeats;
                """);
            var (key, first, repeats) = (upsert.Parameters.Add("$key", SqliteType.Text), upsert.Parameters.Add("$first", SqliteType.Integer),
                upsert.Parameters.Add("$repeats", SqliteType.Integer));
            foreach (var entry in changes.DedupUpserts)
            {
                (key.Value, first.Value, repeats.Value) = (entry.Fingerprint, entry.First.UtcTicks, entry.Repeats);
                await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        await DeleteAsync(connection, transaction, "DELETE FROM pipeline_dedup WHERE fingerprint = $key;", changes.DedupDeletes, cancellationToken).ConfigureAwait(false);
        await DeleteAsync(connection, transaction, "DELETE FROM pipeline_groups WHERE key = $key;", changes.GroupDeletes, cancellationToken).ConfigureAwait(false);
        if (changes.InhibitUpserts.Count > 0)
        {
            await using var upsert = Command(connection, transaction, """
                INSERT INTO pipeline_inhibit (key, source, seen) VALUES ($key, $source, $seen)
                ON CONFLICT (key) DO UPDATE SET source = excluded.source, seen = excluded.seen;
                """);
            var (key, source, seen) = (upsert.Parameters.Add("$key", SqliteType.Text), upsert.Parameters.Add("$source", SqliteType.Text),
                upsert.Parameters.Add("$seen", SqliteType.Integer));
            foreach (var entry in changes.InhibitUpserts)
            {
                (key.Value, source.Value, seen.Value) = (entry.Key, entry.Source, entry.Seen.UtcTicks);
                await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        await DeleteAsync(connection, transaction, "DELETE FROM pipeline_inhibit WHERE key = $key;", changes.InhibitDeletes, cancellationToken).ConfigureAwait(false);
        if (changes.GroupUpserts.Count > 0) await SaveGroupsAsync(connection, transaction, changes.GroupUpserts, cancellationToken).ConfigureAwait(false);

        // Markers of rows that have left the inbox are of no further use; then this batch's rows.
        var forgotten = new List<long>();
        await using (var prune = Command(connection, transaction,
            "DELETE FROM pipeline_applied WHERE NOT EXISTS (SELECT 1 FROM inbox WHERE inbox.id = pipeline_applied.inbox_id) RETURNING inbox_id;"))
        await using (var reader = await prune.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) forgotten.Add(reader.GetInt64(0));
        if (changes.AppliedInboxIds.Count > 0)
        {
            await using var mark = Command(connection, transaction, "INSERT OR IGNORE INTO pipeline_applied (inbox_id) VALUES ($id);");
            var id = mark.Parameters.Add("$id", SqliteType.Integer);
            foreach (var inboxId in changes.AppliedInboxIds)
            {
                id.Value = inboxId;
                await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return forgotten;
    }

    private static async Task SaveGroupsAsync(SqliteConnection connection, SqliteTransaction transaction, List<AggregateGroupState> groups, CancellationToken cancellationToken)
    {
        await using var insert = Command(connection, transaction, """
            INSERT OR REPLACE INTO pipeline_groups (key, window_start, count, held, first_seen, last_seen, priority, samples, key_values, first)
            VALUES ($key, $start, $count, $held, $first_seen, $last_seen, $priority, $samples, $key_values, $first);
            """);
        await using var update = Command(connection, transaction, """
            UPDATE pipeline_groups SET count = $count, held = $held, first_seen = $first_seen, last_seen = $last_seen,
                                       priority = $priority, samples = COALESCE($samples, samples)
            WHERE key = $key AND window_start = $start;
            """);
        foreach (var group in groups)
        {
            var command = group.First is null ? update : insert;
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$key", group.Key);
            command.Parameters.AddWithValue("$start", group.WindowStart.UtcTicks);
            command.Parameters.AddWithValue("$count", group.Count);
            command.Parameters.AddWithValue("$held", group.Held);
            command.Parameters.AddWithValue("$first_seen", group.FirstSeenNanos);
            command.Parameters.AddWithValue("$last_seen", group.LastSeenNanos);
            command.Parameters.AddWithValue("$priority", group.Priority);
            command.Parameters.AddWithValue("$samples", (object?)group.Samples ?? DBNull.Value);
            if (group.First is not null)
            {
                command.Parameters.AddWithValue("$key_values", group.KeyValues ?? "{}");
                command.Parameters.AddWithValue("$first", group.First);
            }
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task DeleteAsync(SqliteConnection connection, SqliteTransaction transaction, string sql, List<string> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0) return;
        await using var delete = Command(connection, transaction, sql);
        var key = delete.Parameters.Add("$key", SqliteType.Text);
        foreach (var value in keys)
        {
            key.Value = value;
            await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }

    private static DateTimeOffset Ticks(long utcTicks) => new(utcTicks, TimeSpan.Zero);
}
