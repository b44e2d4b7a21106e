using System.Collections.Concurrent;
using FalcoHook.Core.Silences;
using FalcoHook.Core.Storage.Sqlite;
using Npgsql;

namespace FalcoHook.Core.Storage.Postgres;

/// <summary>
/// Silences in PostgreSQL (table <c>silences</c>), served from memory like <see cref="SqliteSilenceStore"/>: loaded on
/// first use, written through (committed before the call returns), times to the millisecond, expired silences forgotten
/// after <see cref="InMemorySilenceStore.Retention"/>. <see cref="Invalidate"/> drops the copy in memory, so the next
/// read loads what other replicas wrote.
/// </summary>
public sealed class PostgresSilenceStore(PostgresDatabase database, TimeProvider time) : ISilenceStore
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ConcurrentDictionary<string, Silence>? _silences;

    /// <summary>Forgets the copy in memory; the next call reads the table again.</summary>
    public void Invalidate() => Volatile.Write(ref _silences, null);

    public async ValueTask AddAsync(Silence silence, CancellationToken cancellationToken)
    {
        var silences = await LoadAsync(cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = Truncate(silence);
            // The table decides, not this replica's copy: another replica may have added the id.
            var added = await ExecuteAsync("""
                INSERT INTO silences (id, matchers, starts_at, ends_at, created_by, comment, updated_at)
                VALUES (@id, @matchers, @starts, @ends, @by, @comment, @updated) ON CONFLICT (id) DO NOTHING;
                """, stored, cancellationToken).ConfigureAwait(false);
            if (added == 0) throw new InvalidOperationException($"A silence with id '{silence.Id}' exists already.");
            silences[stored.Id] = stored;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask<Silence?> GetAsync(string id, CancellationToken cancellationToken) =>
        (await LoadAsync(cancellationToken).ConfigureAwait(false)).GetValueOrDefault(id);

    public async ValueTask<IReadOnlyList<Silence>> ListAsync(CancellationToken cancellationToken)
    {
        var silences = await LoadAsync(cancellationToken).ConfigureAwait(false);
        var forgetBefore = time.GetUtcNow() - InMemorySilenceStore.Retention;
        if (silences.Values.Any(s => s.EndsAt < forgetBefore)) await ForgetAsync(silences, forgetBefore, cancellationToken).ConfigureAwait(false);
        return silences.Values.OrderBy(s => s.StartsAt).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();
    }

    public async ValueTask<Silence?> ExpireAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var silences = await LoadAsync(cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!silences.TryGetValue(id, out var current)) return null;
            var expired = Truncate(current.ExpiredAt(now));
            if (expired == current) return current;
            await ExecuteAsync("UPDATE silences SET starts_at = @starts, ends_at = @ends, updated_at = @updated WHERE id = @id;",
                expired, cancellationToken).ConfigureAwait(false);
            silences[id] = expired;
            return expired;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task ForgetAsync(ConcurrentDictionary<string, Silence> silences, DateTimeOffset before, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("DELETE FROM silences WHERE ends_at < @before;", connection);
            command.Parameters.AddWithValue("before", before.ToUnixTimeMilliseconds());
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            foreach (var (id, silence) in silences)
                if (silence.EndsAt < before) silences.TryRemove(id, out _);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async ValueTask<ConcurrentDictionary<string, Silence>> LoadAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _silences) is { } loaded) return loaded;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_silences is not null) return _silences;
            var silences = new ConcurrentDictionary<string, Silence>(StringComparer.Ordinal);
            await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var command = new NpgsqlCommand("SELECT id, matchers, starts_at, ends_at, created_by, comment, updated_at FROM silences;", connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var silence = new Silence
                {
                    Id = reader.GetString(0),
                    Matchers = SqliteSilenceStore.ReadMatchers(reader.GetString(1)),
                    StartsAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
                    EndsAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
                    CreatedBy = reader.GetString(4),
                    Comment = reader.GetString(5),
                    UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
                };
                silences[silence.Id] = silence;
            }
            Volatile.Write(ref _silences, silences);
            return silences;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<int> ExecuteAsync(string sql, Silence silence, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", silence.Id);
        command.Parameters.AddWithValue("matchers", SqliteSilenceStore.WriteMatchers(silence.Matchers));
        command.Parameters.AddWithValue("starts", silence.StartsAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("ends", silence.EndsAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("by", silence.CreatedBy);
        command.Parameters.AddWithValue("comment", silence.Comment);
        command.Parameters.AddWithValue("updated", silence.UpdatedAt.ToUnixTimeMilliseconds());
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Silence Truncate(Silence silence) => silence with
    {
        StartsAt = DateTimeOffset.FromUnixTimeMilliseconds(silence.StartsAt.ToUnixTimeMilliseconds()),
        EndsAt = DateTimeOffset.FromUnixTimeMilliseconds(silence.EndsAt.ToUnixTimeMilliseconds()),
        UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(silence.UpdatedAt.ToUnixTimeMilliseconds()),
    };
}
