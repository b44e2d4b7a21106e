using System.Collections.Concurrent;

namespace FalcoHook.Core.Silences;

/// <summary>
/// Silences in memory (lost on restart). Expired silences are kept for <see cref="Retention"/> (Alertmanager's
/// default: 120 h) so they can be listed, then forgotten.
/// </summary>
public sealed class InMemorySilenceStore(TimeProvider time) : ISilenceStore
{
    public static readonly TimeSpan Retention = TimeSpan.FromHours(120);

    private readonly ConcurrentDictionary<string, Silence> _silences = new(StringComparer.Ordinal);

    public ValueTask AddAsync(Silence silence, CancellationToken cancellationToken)
    {
        if (!_silences.TryAdd(silence.Id, silence))
            throw new InvalidOperationException($"A silence with id '{silence.Id}' exists already.");
        return ValueTask.CompletedTask;
    }

    public ValueTask<Silence?> GetAsync(string id, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_silences.GetValueOrDefault(id));

    public ValueTask<IReadOnlyList<Silence>> ListAsync(CancellationToken cancellationToken)
    {
        var forgetBefore = time.GetUtcNow() - Retention;
        foreach (var (id, silence) in _silences)
            if (silence.EndsAt < forgetBefore) _silences.TryRemove(new KeyValuePair<string, Silence>(id, silence));
        return ValueTask.FromResult<IReadOnlyList<Silence>>(_silences.Values.OrderBy(s => s.StartsAt).ThenBy(s => s.Id, StringComparer.Ordinal).ToList());
    }

    public ValueTask<Silence?> ExpireAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        while (_silences.TryGetValue(id, out var current))
        {
            var expired = current.ExpiredAt(now);
            if (ReferenceEquals(expired, current) || _silences.TryUpdate(id, expired, current)) return ValueTask.FromResult<Silence?>(expired);
        }
        return ValueTask.FromResult<Silence?>(null);
    }
}
