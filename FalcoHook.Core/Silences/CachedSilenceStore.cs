using System.Collections.Concurrent;
using System.Data.Common;
using System.Text.Json;

namespace FalcoHook.Core.Silences;

/// <summary>
/// Silences kept in a database table and served from memory, because the pipeline reads them for every batch: loaded on
/// first use, written through (the write is committed before the call returns), times to the millisecond, expired
/// silences forgotten after <see cref="InMemorySilenceStore.Retention"/>. A store only says how a row is read and written;
/// <see cref="Invalidate"/> drops the copy in memory so the next read loads what other writers stored.
/// </summary>
public abstract class CachedSilenceStore(TimeProvider time) : ISilenceStore
{
    /// <summary>The columns every silences table has, in the order <see cref="ReadRow"/> reads them.</summary>
    protected const string Columns = "id, matchers, starts_at, ends_at, created_by, comment, updated_at";

    private readonly SemaphoreSlim _gate = new(1, 1);
    private ConcurrentDictionary<string, Silence>? _silences;

    /// <summary>Forgets the copy in memory; the next call reads the table again.</summary>
    public void Invalidate() => Volatile.Write(ref _silences, null);

    /// <summary>Every stored silence.</summary>
    protected abstract Task<IReadOnlyList<Silence>> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>Inserts the silence unless its id is taken; false when it was.</summary>
    protected abstract Task<bool> InsertAsync(Silence silence, CancellationToken cancellationToken);

    /// <summary>Writes the silence's start, end and update times.</summary>
    protected abstract Task UpdateTimesAsync(Silence silence, CancellationToken cancellationToken);

    /// <summary>Deletes the silences that ended before <paramref name="before"/>.</summary>
    protected abstract Task DeleteEndedBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken);

    public async ValueTask AddAsync(Silence silence, CancellationToken cancellationToken)
    {
        var silences = await LoadAsync(cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var stored = Truncate(silence);
            // The table decides, not this copy: another replica may have added the id.
            if (!await InsertAsync(stored, cancellationToken).ConfigureAwait(false))
                throw new InvalidOperationException($"A silence with id '{silence.Id}' exists already.");
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
            await UpdateTimesAsync(expired, cancellationToken).ConfigureAwait(false);
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
            await DeleteEndedBeforeAsync(before, cancellationToken).ConfigureAwait(false);
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
            foreach (var silence in await ReadAllAsync(cancellationToken).ConfigureAwait(false)) silences[silence.Id] = silence;
            Volatile.Write(ref _silences, silences);
            return silences;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>One row of <see cref="Columns"/>.</summary>
    protected static Silence ReadRow(DbDataReader reader) => new()
    {
        Id = reader.GetString(0),
        Matchers = ReadMatchers(reader.GetString(1)),
        StartsAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(2)),
        EndsAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3)),
        CreatedBy = reader.GetString(4),
        Comment = reader.GetString(5),
        UpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(6)),
    };

    /// <summary>
    /// The values of a row, by parameter name without prefix: id, matchers, starts, ends, by, comment, updated.
    /// Times are Unix milliseconds.
    /// </summary>
    protected static IEnumerable<(string Name, object Value)> RowValues(Silence silence) =>
    [
        ("id", silence.Id),
        ("matchers", WriteMatchers(silence.Matchers)),
        ("starts", silence.StartsAt.ToUnixTimeMilliseconds()),
        ("ends", silence.EndsAt.ToUnixTimeMilliseconds()),
        ("by", silence.CreatedBy),
        ("comment", silence.Comment),
        ("updated", silence.UpdatedAt.ToUnixTimeMilliseconds()),
    ];

    /// <summary>What is kept is what is stored: times to the millisecond, in UTC.</summary>
    private static Silence Truncate(Silence silence) => silence with
    {
        StartsAt = Millis(silence.StartsAt),
        EndsAt = Millis(silence.EndsAt),
        UpdatedAt = Millis(silence.UpdatedAt),
    };

    private static DateTimeOffset Millis(DateTimeOffset value) => DateTimeOffset.FromUnixTimeMilliseconds(value.ToUnixTimeMilliseconds());

    private static string WriteMatchers(IReadOnlyList<SilenceMatcher> matchers) =>
        JsonSerializer.Serialize(matchers.Select(m => new StoredMatcher(m.Name, SilenceMatcher.ToSymbol(m.Operator), m.Value)).ToList(),
            StoredMatcherContext.Default.ListStoredMatcher);

    private static IReadOnlyList<SilenceMatcher> ReadMatchers(string json)
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
