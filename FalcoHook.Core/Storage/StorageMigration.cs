using System.Data.Common;
using FalcoHook.Core.Storage.Postgres;
using FalcoHook.Core.Storage.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FalcoHook.Core.Storage;

/// <summary>
/// Copies a SQLite file's state into PostgreSQL (<c>falcohook storage migrate</c>): silences, the managed rules and their
/// history, pending and dead deliveries (a delivery a crash left sending comes over pending), the inbox and the dead
/// inbox, and the pipeline state, under the same ids, in one PostgreSQL transaction. A row whose key is there already is
/// left as it is, so running it twice copies nothing the second time. The inbox and rule-history sequences are moved
/// past every id the file ever used, so a new row never takes an id (and with it a delivery id) used before.
/// </summary>
public static class StorageMigration
{
    /// <summary>One table's outcome: rows read from SQLite, rows that were new in PostgreSQL.</summary>
    public sealed record TableCopy(string Table, int Read, int Copied);

    private sealed record Table(string Name, string Select, string Insert, Func<DbDataReader, object?[]> Row);

    private static readonly Table[] Tables =
    [
        new("silences", "SELECT id, matchers, starts_at, ends_at, created_by, comment, updated_at FROM silences ORDER BY id",
            "INSERT INTO silences (id, matchers, starts_at, ends_at, created_by, comment, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
            r => [r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3), r.GetString(4), r.GetString(5), r.GetInt64(6)]),
        new("managed_rules", "SELECT id, version, document, updated, updated_by FROM managed_rules",
            "INSERT INTO managed_rules (id, version, document, updated, updated_by) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
            r => [(int)r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetInt64(3), r.GetString(4)]),
        new("rule_changes", "SELECT id, at, actor, action, kind, name, before, after, version FROM rule_changes ORDER BY id",
            "INSERT INTO rule_changes (id, at, actor, action, kind, name, before, after, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING",
            r => [r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.GetString(3), Text(r, 4), Text(r, 5), Text(r, 6), Text(r, 7), r.GetInt64(8)]),
        new("deliveries",
            """
            SELECT id, destination, notification, CASE state WHEN 'sending' THEN 'pending' ELSE state END, attempts, next_attempt_at,
                   last_error, created, updated, trace_parent
            FROM deliveries WHERE state IN ('pending', 'sending', 'dead') ORDER BY id
            """,
            """
            INSERT INTO deliveries (id, destination, notification, state, attempts, next_attempt_at, last_error, created, updated, trace_parent)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (id) DO NOTHING
            """,
            r => [r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), (int)r.GetInt64(4), r.GetInt64(5), Text(r, 6), r.GetInt64(7), r.GetInt64(8), Text(r, 9)]),
        new("inbox", "SELECT id, received, alert, trace_parent FROM inbox ORDER BY id",
            "INSERT INTO inbox (id, received, alert, trace_parent) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
            r => [r.GetInt64(0), r.GetInt64(1), r.GetString(2), Text(r, 3)]),
        new("inbox_dead", "SELECT id, received, alert, trace_parent, error, attempts, dead_at FROM inbox_dead ORDER BY id",
            "INSERT INTO inbox_dead (id, received, alert, trace_parent, error, attempts, dead_at) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING",
            r => [r.GetInt64(0), r.GetInt64(1), r.GetString(2), Text(r, 3), r.GetString(4), (int)r.GetInt64(5), r.GetInt64(6)]),
        new("pipeline_dedup", "SELECT fingerprint, first, repeats FROM pipeline_dedup ORDER BY fingerprint",
            "INSERT INTO pipeline_dedup (fingerprint, first, repeats) VALUES ($1, $2, $3) ON CONFLICT (fingerprint) DO NOTHING",
            r => [r.GetString(0), r.GetInt64(1), r.GetInt64(2)]),
        new("pipeline_groups",
            "SELECT key, window_start, count, held, first_seen, last_seen, priority, samples, key_values, first FROM pipeline_groups ORDER BY key",
            """
            INSERT INTO pipeline_groups (key, window_start, count, held, first_seen, last_seen, priority, samples, key_values, first)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (key) DO NOTHING
            """,
            r => [r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), (int)r.GetInt64(6), r.GetString(7), r.GetString(8), r.GetString(9)]),
        new("pipeline_inhibit", "SELECT key, source, seen FROM pipeline_inhibit ORDER BY key",
            "INSERT INTO pipeline_inhibit (key, source, seen) VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING",
            r => [r.GetString(0), r.GetString(1), r.GetInt64(2)]),
        new("pipeline_applied", "SELECT inbox_id FROM pipeline_applied ORDER BY inbox_id",
            "INSERT INTO pipeline_applied (inbox_id) VALUES ($1) ON CONFLICT (inbox_id) DO NOTHING",
            r => [r.GetInt64(0)]),
    ];

    /// <summary>The tables copied, in order.</summary>
    public static IReadOnlyList<string> TableNames { get; } = Tables.Select(t => t.Name).ToList();

    public static async Task<IReadOnlyList<TableCopy>> CopyAsync(string sqliteConnectionString, string postgresConnectionString, CancellationToken cancellationToken)
    {
        // Opening through SqliteDatabase brings an older file's schema up to date first.
        var sqlite = new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = sqliteConnectionString }));
        await using var postgres = new PostgresDatabase(Options.Create(new StorageOptions { Provider = StorageOptions.Postgres, ConnectionString = postgresConnectionString }));
        await using var source = await sqlite.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var target = await postgres.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await target.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);

        var copies = new List<TableCopy>();
        foreach (var table in Tables)
            copies.Add(await CopyTableAsync(source, target, transaction, table, cancellationToken).ConfigureAwait(false));

        // Ids a deleted row once had count too (SQLite's AUTOINCREMENT remembers them in sqlite_sequence).
        await MoveSequenceAsync(target, transaction, "inbox", "GREATEST((SELECT MAX(id) FROM inbox), (SELECT MAX(id) FROM inbox_dead), (SELECT MAX(inbox_id) FROM pipeline_applied))",
            await SqliteSequenceAsync(source, "inbox", cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        await MoveSequenceAsync(target, transaction, "rule_changes", "(SELECT MAX(id) FROM rule_changes)",
            await SqliteSequenceAsync(source, "rule_changes", cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        SqliteConnection.ClearPool(source);
        return copies;
    }

    private static async Task<TableCopy> CopyTableAsync(SqliteConnection source, NpgsqlConnection target, NpgsqlTransaction transaction, Table table,
        CancellationToken cancellationToken)
    {
        await using var read = source.CreateCommand();
        read.CommandText = table.Select;
        await using var insert = new NpgsqlCommand(table.Insert, target, transaction);
        var (rows, copied) = (0, 0);
        await using var reader = await read.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var values = table.Row(reader);
            insert.Parameters.Clear();
            foreach (var value in values) insert.Parameters.Add(value is null ? new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text } : new NpgsqlParameter { Value = value });
            copied += await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            rows++;
        }
        return new TableCopy(table.Name, rows, copied);
    }

    private static async Task<long> SqliteSequenceAsync(SqliteConnection source, string table, CancellationToken cancellationToken)
    {
        await using var command = source.CreateCommand();
        command.CommandText = "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = $table), 0);";
        command.Parameters.AddWithValue("$table", table);
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Moves the table's id sequence to at least the highest id in use or once used; never back.</summary>
    private static async Task MoveSequenceAsync(NpgsqlConnection target, NpgsqlTransaction transaction, string table, string maxInUse, long usedBefore,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                          GREATEST(COALESCE({maxInUse}, 0), $1,
                                   (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {table}_id_seq), 1));
            """, target, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = usedBefore });
        await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string? Text(DbDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
}
