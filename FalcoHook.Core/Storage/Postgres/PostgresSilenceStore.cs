using FalcoHook.Core.Silences;
using Npgsql;

namespace FalcoHook.Core.Storage.Postgres;

/// <summary>
/// Silences in PostgreSQL (table <c>silences</c>), served from memory (<see cref="CachedSilenceStore"/>). A silence another
/// replica stored reaches this one through <see cref="CachedSilenceStore.Invalidate"/>.
/// </summary>
public sealed class PostgresSilenceStore(PostgresDatabase database, TimeProvider time) : CachedSilenceStore(time)
{
    protected override async Task<IReadOnlyList<Silence>> ReadAllAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM silences;", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var silences = new List<Silence>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) silences.Add(ReadRow(reader));
        return silences;
    }

    protected override async Task<bool> InsertAsync(Silence silence, CancellationToken cancellationToken) =>
        await ExecuteAsync($"""
            INSERT INTO silences ({Columns})
            VALUES (@id, @matchers, @starts, @ends, @by, @comment, @updated) ON CONFLICT (id) DO NOTHING;
            """, silence, cancellationToken).ConfigureAwait(false) == 1;

    protected override Task UpdateTimesAsync(Silence silence, CancellationToken cancellationToken) =>
        ExecuteAsync("UPDATE silences SET starts_at = @starts, ends_at = @ends, updated_at = @updated WHERE id = @id;", silence, cancellationToken);

    protected override async Task DeleteEndedBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("DELETE FROM silences WHERE ends_at < @before;", connection);
        command.Parameters.AddWithValue("before", before.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> ExecuteAsync(string sql, Silence silence, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in RowValues(silence)) command.Parameters.AddWithValue(name, value);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
