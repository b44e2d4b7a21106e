namespace FalcoHook.Core.Silences;

/// <summary>Where silences live (in memory now; a durable store implements the same four calls).</summary>
public interface ISilenceStore
{
    ValueTask AddAsync(Silence silence, CancellationToken cancellationToken);

    ValueTask<Silence?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Every silence kept, pending, active and expired.</summary>
    ValueTask<IReadOnlyList<Silence>> ListAsync(CancellationToken cancellationToken);

    /// <summary>Ends the silence at <paramref name="now"/> (see <see cref="Silence.ExpiredAt"/>); null when there is no such silence.</summary>
    ValueTask<Silence?> ExpireAsync(string id, DateTimeOffset now, CancellationToken cancellationToken);
}
