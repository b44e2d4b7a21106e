using FalcoHook.Core.Rules.Management;
using Microsoft.Data.Sqlite;

namespace FalcoHook.Core.Storage.Sqlite;

/// <summary>
/// The managed rules document (one row, <c>managed_rules</c>) and its history (<c>rule_changes</c>) in the
/// service's SQLite file. A save checks the version and writes document and history in one transaction.
/// </summary>
public sealed class SqliteRulesStore(SqliteDatabase database) : IManagedRulesStore
{
    public async Task<StoredManagedRules?> LoadAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT version, document FROM managed_rules WHERE id = 1;";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
            ? new StoredManagedRules(reader.GetInt64(0), reader.GetString(1))
            : null;
    }

    public async Task<RuleChange> SaveAsync(long expectedVersion, string yaml, RuleChange change, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction(deferred: false);
        long current;
        await using (var read = connection.CreateCommand())
        {
            read.Transaction = transaction;
            read.CommandText = "SELECT COALESCE((SELECT version FROM managed_rules WHERE id = 1), 0);";
            current = (long)(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        if (current != expectedVersion) throw new ManagedRulesConflictException(expectedVersion, current);
        var version = expectedVersion + 1;
        var at = change.At.ToUnixTimeMilliseconds();
        await using (var write = connection.CreateCommand())
        {
            write.Transaction = transaction;
            write.CommandText = """
                INSERT INTO managed_rules (id, version, document, updated, updated_by) VALUES (1, $version, $document, $at, $actor)
                ON CONFLICT (id) DO UPDATE SET version = excluded.version, document = excluded.document,
                    updated = excluded.updated, updated_by = excluded.updated_by;
                """;
            write.Parameters.AddWithValue("$version", version);
            write.Parameters.AddWithValue("$document", yaml);
            write.Parameters.AddWithValue("$at", at);
            write.Parameters.AddWithValue("$actor", change.Actor);
            await write.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        long id;
        await using (var history = connection.CreateCommand())
        {
            history.Transaction = transaction;
            history.CommandText = """
                INSERT INTO rule_changes (at, actor, action, kind, name, before, after, version)
                VALUES ($at, $actor, $action, $kind, $name, $before, $after, $version) RETURNING id;
                """;
            history.Parameters.AddWithValue("$at", at);
            history.Parameters.AddWithValue("$actor", change.Actor);
            history.Parameters.AddWithValue("$action", change.Action);
            history.Parameters.AddWithValue("$kind", (object?)change.Kind ?? DBNull.Value);
            history.Parameters.AddWithValue("$name", (object?)change.Name ?? DBNull.Value);
            history.Parameters.AddWithValue("$before", (object?)change.Before ?? DBNull.Value);
            history.Parameters.AddWithValue("$after", (object?)change.After ?? DBNull.Value);
            history.Parameters.AddWithValue("$version", version);
            id = (long)(await history.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return change with { Id = id, Version = version };
    }

    public async Task<IReadOnlyList<RuleChange>> HistoryAsync(string? kind, string? name, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT id, at, actor, action, kind, name, before, after, version FROM rule_changes
            WHERE ($kind IS NULL OR kind = $kind) AND ($name IS NULL OR name = $name)
            ORDER BY id DESC LIMIT $limit;
            """;
        command.Parameters.AddWithValue("$kind", (object?)kind ?? DBNull.Value);
        command.Parameters.AddWithValue("$name", (object?)name ?? DBNull.Value);
        command.Parameters.AddWithValue("$limit", limit);
        var changes = new List<RuleChange>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            changes.Add(new RuleChange(reader.GetInt64(0), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(1)),
                reader.GetString(2), reader.GetString(3), Text(reader, 4), Text(reader, 5), Text(reader, 6), Text(reader, 7),
                reader.GetInt64(8)));
        }
        return changes;
    }

    private static string? Text(SqliteDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
}
