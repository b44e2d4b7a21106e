using FalcoHook.Core.Inhibition;
using FalcoHook.Core.TimeIntervals;
using Npgsql;

namespace FalcoHook.Core.Storage.Postgres;

/// <summary>
/// Inhibition rules and time intervals put through the API, in PostgreSQL (table <c>alert_management</c>): one row
/// per kind and name, the definition as JSON, the time it was put (Unix milliseconds). Each write is committed before the
/// call returns; reads go to the table (the catalogs keep the compiled set in memory, and reread it when another
/// replica changed it).
/// </summary>
public sealed class PostgresAlertManagementStore(PostgresDatabase database) : IInhibitRuleStore, ITimeIntervalStore
{
    public async Task<IReadOnlyList<StoredInhibitRule>> ListInhibitRulesAsync(CancellationToken cancellationToken) =>
        [.. (await ListAsync(AlertManagementJson.InhibitRule, cancellationToken).ConfigureAwait(false))
            .Select(r => new StoredInhibitRule(r.Name, AlertManagementJson.ReadInhibitRule(r.Definition), r.Updated))];

    public Task PutInhibitRuleAsync(StoredInhibitRule rule, CancellationToken cancellationToken) =>
        PutAsync(AlertManagementJson.InhibitRule, rule.Name, AlertManagementJson.Write(rule.Rule), rule.UpdatedAt, cancellationToken);

    public Task<bool> DeleteInhibitRuleAsync(string name, CancellationToken cancellationToken) =>
        DeleteAsync(AlertManagementJson.InhibitRule, name, cancellationToken);

    public async Task<IReadOnlyList<StoredTimeInterval>> ListTimeIntervalsAsync(CancellationToken cancellationToken) =>
        [.. (await ListAsync(AlertManagementJson.TimeInterval, cancellationToken).ConfigureAwait(false))
            .Select(r => new StoredTimeInterval(r.Name, AlertManagementJson.ReadTimeIntervals(r.Definition), r.Updated))];

    public Task PutTimeIntervalAsync(StoredTimeInterval interval, CancellationToken cancellationToken) =>
        PutAsync(AlertManagementJson.TimeInterval, interval.Name, AlertManagementJson.Write(interval.Intervals), interval.UpdatedAt, cancellationToken);

    public Task<bool> DeleteTimeIntervalAsync(string name, CancellationToken cancellationToken) =>
        DeleteAsync(AlertManagementJson.TimeInterval, name, cancellationToken);

    private async Task<List<(string Name, string Definition, DateTimeOffset Updated)>> ListAsync(string kind, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, definition, updated_at FROM alert_management WHERE kind = @kind ORDER BY name COLLATE \"C\";";
        command.Parameters.AddWithValue("kind", kind);
        var rows = new List<(string, string, DateTimeOffset)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            rows.Add((reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        return rows;
    }

    private async Task PutAsync(string kind, string name, string definition, DateTimeOffset updated, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO alert_management (kind, name, definition, updated_at) VALUES (@kind, @name, @definition, @updated)
            ON CONFLICT (kind, name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at;
            """;
        command.Parameters.AddWithValue("kind", kind);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("definition", definition);
        command.Parameters.AddWithValue("updated", updated.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> DeleteAsync(string kind, string name, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "DELETE FROM alert_management WHERE kind = @kind AND name = @name;";
        command.Parameters.AddWithValue("kind", kind);
        command.Parameters.AddWithValue("name", name);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }
}
