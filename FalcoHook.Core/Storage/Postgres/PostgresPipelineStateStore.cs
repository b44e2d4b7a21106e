using FalcoHook.Core.Pipeline.State;
using Npgsql;
using NpgsqlTypes;

namespace FalcoHook.Core.Storage.Postgres;

/// <summary>
/// Dedup entries, open storm windows, inhibiting source alerts and the inbox rows applied to them in PostgreSQL (tables
/// <c>pipeline_dedup</c>, <c>pipeline_groups</c>, <c>pipeline_inhibit</c>, <c>pipeline_applied</c>), as <see cref="Sqlite.SqlitePipelineStateStore"/> keeps them:
/// one transaction per batch, only the keys that changed; many keys go in one statement (arrays unnested).
/// </summary>
public sealed class PostgresPipelineStateStore(PostgresDatabase database) : IPipelineStateStore
{
    public async Task<PipelineState> LoadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // One snapshot for the four tables.
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken).ConfigureAwait(false);

        var dedup = new List<DedupEntryState>();
        await using (var command = new NpgsqlCommand("SELECT fingerprint, first, repeats FROM pipeline_dedup;", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                dedup.Add(new DedupEntryState(reader.GetString(0), Ticks(reader.GetInt64(1)), reader.GetInt64(2)));

        var groups = new List<AggregateGroupState>();
        await using (var command = new NpgsqlCommand(
            "SELECT key, window_start, count, held, first_seen, last_seen, priority, samples, key_values, first FROM pipeline_groups;", connection, transaction))
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
        await using (var command = new NpgsqlCommand("SELECT key, source, seen FROM pipeline_inhibit;", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                inhibit.Add(new InhibitSourceState(reader.GetString(0), reader.GetString(1), Ticks(reader.GetInt64(2))));

        var applied = new List<long>();
        await using (var command = new NpgsqlCommand("SELECT inbox_id FROM pipeline_applied;", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) applied.Add(reader.GetInt64(0));

        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new PipelineState(dedup, groups, applied) { InhibitSources = inhibit };
    }

    public async Task<IReadOnlyList<long>> SaveAsync(PipelineStateChanges changes, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        if (changes.DedupUpserts.Count > 0)
        {
            // One row per key (the last change of a key wins, as when they are written one by one).
            var last = new Dictionary<string, DedupEntryState>(StringComparer.Ordinal);
            foreach (var entry in changes.DedupUpserts) last[entry.Fingerprint] = entry;
            await using var upsert = new NpgsqlCommand("""
                INSERT INTO pipeline_dedup (fingerprint, first, repeats)
                SELECT * FROM unnest(@keys, @firsts, @repeats)
                ON CONFLICT (fingerprint) DO UPDATE SET first = excluded.first, repeats = excluded.repeats;
                """, connection, transaction);
            upsert.Parameters.Add(new NpgsqlParameter("keys", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = last.Keys.ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter("firsts", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = last.Values.Select(e => e.First.UtcTicks).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter("repeats", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = last.Values.Select(e => e.Repeats).ToArray() });
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await DeleteAsync(connection, transaction, "DELETE FROM pipeline_dedup WHERE fingerprint = ANY(@keys);", changes.DedupDeletes, cancellationToken).ConfigureAwait(false);
        await DeleteAsync(connection, transaction, "DELETE FROM pipeline_groups WHERE key = ANY(@keys);", changes.GroupDeletes, cancellationToken).ConfigureAwait(false);
        foreach (var group in changes.GroupUpserts) await SaveGroupAsync(connection, transaction, group, cancellationToken).ConfigureAwait(false);
        if (changes.InhibitUpserts.Count > 0)
        {
            var last = new Dictionary<string, InhibitSourceState>(StringComparer.Ordinal);
            foreach (var entry in changes.InhibitUpserts) last[entry.Key] = entry;
            await using var upsert = new NpgsqlCommand("""
                INSERT INTO pipeline_inhibit (key, source, seen)
                SELECT * FROM unnest(@keys, @sources, @seen)
                ON CONFLICT (key) DO UPDATE SET source = excluded.source, seen = excluded.seen;
                """, connection, transaction);
            upsert.Parameters.Add(new NpgsqlParameter("keys", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = last.Keys.ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter("sources", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = last.Values.Select(e => e.Source).ToArray() });
            upsert.Parameters.Add(new NpgsqlParameter("seen", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = last.Values.Select(e => e.Seen.UtcTicks).ToArray() });
            await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await DeleteAsync(connection, transaction, "DELETE FROM pipeline_inhibit WHERE key = ANY(@keys);", changes.InhibitDeletes, cancellationToken).ConfigureAwait(false);

        // Markers of rows that have left the inbox are of no further use; then this batch's rows.
        var forgotten = new List<long>();
        await using (var prune = new NpgsqlCommand(
            "DELETE FROM pipeline_applied WHERE NOT EXISTS (SELECT 1 FROM inbox WHERE inbox.id = pipeline_applied.inbox_id) RETURNING inbox_id;",
            connection, transaction))
        await using (var reader = await prune.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) forgotten.Add(reader.GetInt64(0));
        if (changes.AppliedInboxIds.Count > 0)
        {
            await using var mark = new NpgsqlCommand(
                "INSERT INTO pipeline_applied (inbox_id) SELECT * FROM unnest(@ids) ON CONFLICT (inbox_id) DO NOTHING;", connection, transaction);
            mark.Parameters.AddWithValue("ids", changes.AppliedInboxIds.ToArray());
            await mark.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return forgotten;
    }

    /// <summary>A new window (its first alert and key set) replaces the row; a later batch updates counters and changed samples.</summary>
    private static async Task SaveGroupAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, AggregateGroupState group, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(group.First is null
            ? """
              UPDATE pipeline_groups SET count = @count, held = @held, first_seen = @first_seen, last_seen = @last_seen,
                                         priority = @priority, samples = COALESCE(@samples, samples)
              WHERE key = @key AND window_start = @start;
              """
            : """
              INSERT INTO pipeline_groups (key, window_start, count, held, first_seen, last_seen, priority, samples, key_values, first)
              VALUES (@key, @start, @count, @held, @first_seen, @last_seen, @priority, @samples, @key_values, @first)
              ON CONFLICT (key) DO UPDATE SET window_start = excluded.window_start, count = excluded.count, held = excluded.held,
                  first_seen = excluded.first_seen, last_seen = excluded.last_seen, priority = excluded.priority,
                  samples = excluded.samples, key_values = excluded.key_values, first = excluded.first;
              """, connection, transaction);
        command.Parameters.AddWithValue("key", group.Key);
        command.Parameters.AddWithValue("start", group.WindowStart.UtcTicks);
        command.Parameters.AddWithValue("count", group.Count);
        command.Parameters.AddWithValue("held", group.Held);
        command.Parameters.AddWithValue("first_seen", group.FirstSeenNanos);
        command.Parameters.AddWithValue("last_seen", group.LastSeenNanos);
        command.Parameters.AddWithValue("priority", group.Priority);
        command.Parameters.Add(new NpgsqlParameter("samples", NpgsqlDbType.Text) { Value = (object?)group.Samples ?? DBNull.Value });
        if (group.First is not null)
        {
            command.Parameters.AddWithValue("key_values", group.KeyValues ?? "{}");
            command.Parameters.AddWithValue("first", group.First);
        }
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task DeleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, List<string> keys, CancellationToken cancellationToken)
    {
        if (keys.Count == 0) return;
        await using var delete = new NpgsqlCommand(sql, connection, transaction);
        delete.Parameters.Add(new NpgsqlParameter("keys", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = keys.ToArray() });
        await delete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static DateTimeOffset Ticks(long utcTicks) => new(utcTicks, TimeSpan.Zero);
}
