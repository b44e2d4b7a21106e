using System.Collections.Concurrent;
using System.Text.Json;
using FalcoHook.Core.Silences;
using Microsoft.Data.Sqlite;

namespace FalcoHook.Core.Storage.Sqlite;

/// <summary>
/// Silences in the SQLite file (table <c>silences</c>), so they survive restarts. The pipeline reads them for every
/// batch, so they are served from memory: loaded once, written through (the write is committed before the call
/// returns). Times keep millisecond precision. Expired silences are kept for <see cref="InMemorySilenceStore.Retention"/>,
/// then forgotten, as in memory.
/// </summary>
public sealed class SqliteSilenceStore(SqliteDatabase database, TimeProvider time) : ISilenceStore
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ConcurrentDictionary<string, Silence>? _silences;

    public async ValueTask AddAsync(Silence silence, CancellationToken cancellationToken)
    {
        var silences = await LoadAsync(cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (silences.ContainsKey(silence.Id)) throw new InvalidOperationException($"A silence with id '{silence.Id}' exists already.");
            var stored = Truncate(silence);
            await ExecuteAsync("""
                INSERT INTO silences (id, matchers, starts_at, ends_at, created_by, comment, updated_at)
                VALUES ($id, $matchers, $starts, $ends, $by, $comment, $updated);
                """, stored, cancellationToken).ConfigureAwait(false);
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
            await ExecuteAsync("UPDATE silences SET starts_at = $starts, ends_at = $ends, updated_at = $updated WHERE id = $id;",
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
            await using var command = connection.CreateCommand();
            command.CommandText = "DELETE FROM silences WHERE ends_at < $before;";
            command.Parameters.AddWithValue("$before", before.ToUnixTimeMilliseconds());
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
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, matchers, starts_at, ends_at, created_by, comment, updated_at FROM silences;";
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var silence = new Silence
                {
                    Id = reader.GetString(0),
                    Matchers = ReadMatchers(reader.GetString(1)),
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

    private async Task ExecuteAsync(string sql, Silence silence, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$id", silence.Id);
        command.Parameters.AddWithValue("$matchers", WriteMatchers(silence.Matchers));
        command.Parameters.AddWithValue("$starts", silence.StartsAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$ends", silence.EndsAt.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$by", silence.CreatedBy);
        command.Parameters.AddWithValue("$comment", silence.Comment);
        command.Parameters.AddWithValue("$updated", silence.UpdatedAt.ToUnixTimeMilliseconds());
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>What is kept is what is stored: times to the millisecond, in UTC.</summary>
    private static Silence Truncate(Silence silence) => silence with
    {
        StartsAt = Millis(silence.StartsAt),
        EndsAt = Millis(silence.EndsAt),
        UpdatedAt = Millis(silence.UpdatedAt),
    };

    private static DateTimeOffset Millis(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    internal static string WriteMatchers(IReadOnlyList<SilenceMatcher> matchers) =>
        JsonSerializer.Serialize(matchers.Select(m => new StoredMatcher(m.Name, SilenceMatcher.ToSymbol(m.Operator), m.Value)).ToList(),
            StoredMatcherContext.Default.ListStoredMatcher);

    internal static IReadOnlyList<SilenceMatcher> ReadMatchers(string json)
    {
        var stored = JsonSerializer.Deserialize(json, StoredMatcherContext.Default.ListStoredMatcher) ?? [];
        var matchers = new List<SilenceMatcher>(stored.Count);
        foreach (var m in stored)
        {
            // A matcher that no longer compiles cannot match; the silence then matches nothing (no matchers: no match).
            if (SilenceMatcher.TryParseOperator(m.Op, out var op) && SilenceMatcher.TryCreate(m.Name, op, m.Value, out var matcher, out _))
                matchers.Add(matcher!);
            else return [];
        }
        return matchers;
    }
}

internal sealed record StoredMatcher(string Name, string Op, string Value);

[System.Text.Json.Serialization.JsonSerializable(typeof(List<StoredMatcher>))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class StoredMatcherContext : System.Text.Json.Serialization.JsonSerializerContext;
