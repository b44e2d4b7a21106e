using System.Text.Json;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Storage.Sqlite;

public sealed class SqliteInboxStore(SqliteDatabase database) : IInboxStore
{
    public async Task AppendAsync(IReadOnlyList<IReadOnlyList<FalcoAlert>> batches, DateTimeOffset received, CancellationToken cancellationToken)
    {
        using var turn = await database.EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "INSERT INTO inbox (received, alert) VALUES ($received, $alert);";
        var receivedParameter = command.Parameters.Add("$received", Microsoft.Data.Sqlite.SqliteType.Integer);
        var alertParameter = command.Parameters.Add("$alert", Microsoft.Data.Sqlite.SqliteType.Text);
        receivedParameter.Value = received.ToUnixTimeMilliseconds();
        foreach (var batch in batches)
        {
            foreach (var alert in batch)
            {
                alertParameter.Value = alert.ToJson();
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<InboxEntry>> ReadAsync(int max, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, alert FROM inbox ORDER BY id LIMIT $max;";
        command.Parameters.AddWithValue("$max", max);
        var entries = new List<InboxEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var id = reader.GetInt64(0);
            var json = reader.GetString(1);
            entries.Add(Parse(id, json));
        }
        return entries;
    }

    private static InboxEntry Parse(long id, string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var errors = new List<AlertError>();
            var alert = AlertReader.FromElement(document.RootElement, "", errors);
            return alert is not null
                ? new InboxEntry(id, alert)
                : new InboxEntry(id, null, string.Join("; ", errors.Select(e => $"{e.Field}: {e.Message}")));
        }
        catch (JsonException e)
        {
            return new InboxEntry(id, null, e.Message);
        }
    }

    public async Task DeleteAsync(IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        if (ids.Count == 0) return;
        using var turn = await database.EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM inbox WHERE id = $id;";
        var idParameter = command.Parameters.Add("$id", Microsoft.Data.Sqlite.SqliteType.Integer);
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
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }
}
