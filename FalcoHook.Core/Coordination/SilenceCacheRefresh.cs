using FalcoHook.Core.Storage.Postgres;

namespace FalcoHook.Core.Coordination;

/// <summary>The PostgreSQL silence store keeps the silences in memory: a silence another replica stored makes it reread them.</summary>
public sealed class SilenceCacheRefresh(PostgresSilenceStore store) : ISharedCache
{
    public ChangeTopic Topic => ChangeTopic.Silences;

    public Task RefreshAsync(CancellationToken cancellationToken)
    {
        store.Invalidate();
        return Task.CompletedTask;
    }
}
