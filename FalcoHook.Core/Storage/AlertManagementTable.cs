using System.Data.Common;
using FalcoHook.Core.Inhibition;
using FalcoHook.Core.TimeIntervals;

namespace FalcoHook.Core.Storage;

/// <summary>
/// Inhibition rules and time intervals put through the API, in the table <c>alert_management</c>: one row per kind and
/// name, the definition as JSON, the time it was put (Unix milliseconds). Each write is committed before the call
/// returns; reads go to the table (the catalogs keep the compiled set in memory). A store says how it opens a
/// connection, how it names parameters and how it orders names byte-wise.
/// </summary>
public abstract class AlertManagementTable : IInhibitRuleStore, ITimeIntervalStore
{
    protected abstract Task<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>The parameter prefix the provider's SQL uses (<c>$</c>, <c>@</c>).</summary>
    protected abstract char Prefix { get; }

    /// <summary>ORDER BY of names in ordinal order.</summary>
    protected abstract string NameOrder { get; }

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
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection,
            $"SELECT name, definition, updated_at FROM alert_management WHERE kind = {Prefix}kind ORDER BY {NameOrder};", ("kind", kind));
        var rows = new List<(string, string, DateTimeOffset)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            rows.Add((reader.GetString(0), reader.GetString(1), DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2))));
        return rows;
    }

    private async Task PutAsync(string kind, string name, string definition, DateTimeOffset updated, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        var p = Prefix;
        await using var command = Command(connection, $"""
            INSERT INTO alert_management (kind, name, definition, updated_at) VALUES ({p}kind, {p}name, {p}definition, {p}updated)
            ON CONFLICT (kind, name) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at;
            """, ("kind", kind), ("name", name), ("definition", definition), ("updated", updated.ToUnixTimeMilliseconds()));
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> DeleteAsync(string kind, string name, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = Command(connection,
            $"DELETE FROM alert_management WHERE kind = {Prefix}kind AND name = {Prefix}name;", ("kind", kind), ("name", name));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) > 0;
    }

    private DbCommand Command(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = Prefix + name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        return command;
    }
}
