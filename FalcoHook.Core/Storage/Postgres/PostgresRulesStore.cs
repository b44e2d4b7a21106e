using FalcoHook.Core.Rules.Management;
using Npgsql;
using NpgsqlTypes;

namespace FalcoHook.Core.Storage.Postgres;

/// <summary>
/// The managed rules document (one row, <c>managed_rules</c>) and its history (<c>rule_changes</c>) in PostgreSQL. A
/// save takes a transaction advisory lock, checks the version and writes document and history in one transaction, so
/// two replicas saving at once get one version each or a conflict, never a lost update.
/// </summary>
public sealed class PostgresRulesStore(PostgresDatabase database) : IManagedRulesStore
{
    /// <summary>The advisory lock key of rule saves ("FalcoRl" in ASCII).</summary>
    private const long SaveLockKey = 0x46616C636F526C;

    public async Task<StoredManagedRules?> LoadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT version, document FROM managed_rules WHERE id = 1;", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new StoredManagedRules(reader.GetInt64(0), reader.GetString(1))
            : null;
    }

    public async Task<RuleChange> SaveAsync(long expectedVersion, string yaml, RuleChange change, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (var lockCommand = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({SaveLockKey});", connection, transaction))
            await lockCommand.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        long current;
        await using (var read = new NpgsqlCommand("SELECT COALESCE((SELECT version FROM managed_rules WHERE id = 1), 0);", connection, transaction))
            current = (long)(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        if (current != expectedVersion) throw new ManagedRulesConflictException(expectedVersion, current);
        var version = expectedVersion + 1;
        var at = change.At.ToUnixTimeMilliseconds();
        await using (var write = new NpgsqlCommand("""
            INSERT INTO managed_rules (id, version, document, updated, updated_by) VALUES (1, @version, @document, @at, @actor)
            ON CONFLICT (id) DO UPDATE SET version = excluded.version, document = excluded.document,
                updated = excluded.updated, updated_by = excluded.updated_by;
            """, connection, transaction))
        {
            write.Parameters.AddWithValue("version", version);
            write.Parameters.AddWithValue("document", yaml);
            write.Parameters.AddWithValue("at", at);
            write.Parameters.AddWithValue("actor", change.Actor);
            await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        long id;
        await using (var history = new NpgsqlCommand("""
            INSERT INTO rule_changes (at, actor, action, kind, name, before, after, version)
            VALUES (@at, @actor, @action, @kind, @name, @before, @after, @version) RETURNING id;
            """, connection, transaction))
        {
            history.Parameters.AddWithValue("at", at);
            history.Parameters.AddWithValue("actor", change.Actor);
            history.Parameters.AddWithValue("action", change.Action);
            history.Parameters.Add(Text("kind", change.Kind));
            history.Parameters.Add(Text("name", change.Name));
            history.Parameters.Add(Text("before", change.Before));
            history.Parameters.Add(Text("after", change.After));
            history.Parameters.AddWithValue("version", version);
            id = (long)(await history.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return change with { Id = id, Version = version };
    }

    public async Task<IReadOnlyList<RuleChange>> HistoryAsync(string? kind, string? name, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            SELECT id, at, actor, action, kind, name, before, after, version FROM rule_changes
            WHERE (@kind::text IS NULL OR kind = @kind) AND (@name::text IS NULL OR name = @name)
            ORDER BY id DESC LIMIT @limit;
            """, connection);
        command.Parameters.Add(Text("kind", kind));
        command.Parameters.Add(Text("name", name));
        command.Parameters.AddWithValue("limit", limit);
        var changes = new List<RuleChange>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            changes.Add(new RuleChange(reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                reader.GetString(2), reader.GetString(3), Read(reader, 4), Read(reader, 5), Read(reader, 6), Read(reader, 7),
                reader.GetInt64(8)));
        return changes;
    }

    private static NpgsqlParameter Text(string name, string? value) => new(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };

    private static string? Read(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
}
