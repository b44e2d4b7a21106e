using FalcoHook.Core.Delivery;
using FalcoHook.Core.Rules.Management;
using Microsoft.Extensions.Hosting;

namespace FalcoHook.Core.Coordination;

/// <summary>
/// What a replica does when another one changed something: takes in the stored managed rules, wakes its delivery
/// dispatcher, and lets the silence store reread silences when it keeps them in memory (<see cref="ISharedCache"/>).
/// </summary>
public sealed class ChangeReactions(IChangeFeed feed, DeliverySignal deliveries, IEnumerable<ISharedCache> caches,
    RuleManagementService? rules = null) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (rules is not null) feed.Subscribe(ChangeTopic.Rules, async ct => await rules.ApplyStoredAsync(ct).ConfigureAwait(false));
        feed.Subscribe(ChangeTopic.Deliveries, _ =>
        {
            deliveries.Set();
            return Task.CompletedTask;
        });
        foreach (var cache in caches) feed.Subscribe(cache.Topic, cache.RefreshAsync);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>A store that keeps in memory what other replicas may change (the silences): told to reread it.</summary>
public interface ISharedCache
{
    ChangeTopic Topic { get; }

    Task RefreshAsync(CancellationToken cancellationToken);
}
