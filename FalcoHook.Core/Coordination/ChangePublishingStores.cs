using FalcoHook.Core.Delivery;
using FalcoHook.Core.Rules.Management;
using FalcoHook.Core.Silences;
using FalcoHook.Core.Storage;

namespace FalcoHook.Core.Coordination;

/// <summary>Silences, telling the other replicas (<see cref="ChangeTopic.Silences"/>) after each stored change.</summary>
public sealed class ChangePublishingSilenceStore(ISilenceStore inner, IChangeFeed feed) : ISilenceStore
{
    public ISilenceStore Inner => inner;

    public async ValueTask AddAsync(Silence silence, CancellationToken cancellationToken)
    {
        await inner.AddAsync(silence, cancellationToken).ConfigureAwait(false);
        await feed.PublishAsync(ChangeTopic.Silences, CancellationToken.None).ConfigureAwait(false);
    }

    public ValueTask<Silence?> GetAsync(string id, CancellationToken cancellationToken) => inner.GetAsync(id, cancellationToken);

    public ValueTask<IReadOnlyList<Silence>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

    public async ValueTask<Silence?> ExpireAsync(string id, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var expired = await inner.ExpireAsync(id, now, cancellationToken).ConfigureAwait(false);
        if (expired is not null) await feed.PublishAsync(ChangeTopic.Silences, CancellationToken.None).ConfigureAwait(false);
        return expired;
    }
}

/// <summary>The managed rules, telling the other replicas (<see cref="ChangeTopic.Rules"/>) after each stored change.</summary>
public sealed class ChangePublishingRulesStore(IManagedRulesStore inner, IChangeFeed feed) : IManagedRulesStore
{
    public Task<StoredManagedRules?> LoadAsync(CancellationToken cancellationToken) => inner.LoadAsync(cancellationToken);

    public async Task<RuleChange> SaveAsync(long expectedVersion, string yaml, RuleChange change, CancellationToken cancellationToken)
    {
        var saved = await inner.SaveAsync(expectedVersion, yaml, change, cancellationToken).ConfigureAwait(false);
        await feed.PublishAsync(ChangeTopic.Rules, CancellationToken.None).ConfigureAwait(false);
        return saved;
    }

    public Task<IReadOnlyList<RuleChange>> HistoryAsync(string? kind, string? name, int limit, CancellationToken cancellationToken) =>
        inner.HistoryAsync(kind, name, limit, cancellationToken);
}

/// <summary>
/// The outbox, telling the other replicas (<see cref="ChangeTopic.Deliveries"/>) when deliveries became due: new ones
/// (so every replica's dispatcher claims some at once) and dead ones retried.
/// </summary>
public sealed class ChangePublishingOutboxStore(IOutboxStore inner, IChangeFeed feed) : IOutboxStore
{
    public async Task AddAsync(IReadOnlyList<NewDelivery> deliveries, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await inner.AddAsync(deliveries, now, cancellationToken).ConfigureAwait(false);
        if (deliveries.Count > 0) await feed.PublishAsync(ChangeTopic.Deliveries, CancellationToken.None).ConfigureAwait(false);
    }

    public async Task<int> RetryDeadAsync(string? id, string? destination, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var changed = await inner.RetryDeadAsync(id, destination, now, cancellationToken).ConfigureAwait(false);
        if (changed > 0) await feed.PublishAsync(ChangeTopic.Deliveries, CancellationToken.None).ConfigureAwait(false);
        return changed;
    }

    public Task<IReadOnlyList<DeliveryRecord>> ClaimDueAsync(string destination, DateTimeOffset now, int max, CancellationToken cancellationToken) =>
        inner.ClaimDueAsync(destination, now, max, cancellationToken);

    public Task<IReadOnlyList<string>> DueDestinationsAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.DueDestinationsAsync(now, cancellationToken);

    public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken) => inner.NextDueAsync(cancellationToken);

    public Task MarkDeliveredAsync(string id, int attempts, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.MarkDeliveredAsync(id, attempts, now, cancellationToken);

    public Task MarkDeliveredAsync(IReadOnlyList<(string Id, int Attempts)> deliveries, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.MarkDeliveredAsync(deliveries, now, cancellationToken);

    public Task RecordOutcomesAsync(IReadOnlyList<DeliveryOutcome> outcomes, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.RecordOutcomesAsync(outcomes, now, cancellationToken);

    public Task ScheduleRetryAsync(string id, int attempts, DateTimeOffset nextAttemptAt, string error, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.ScheduleRetryAsync(id, attempts, nextAttemptAt, error, now, cancellationToken);

    public Task MarkDeadAsync(string id, int attempts, string error, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.MarkDeadAsync(id, attempts, error, now, cancellationToken);

    public Task ReleaseAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) => inner.ReleaseAsync(id, now, cancellationToken);

    public Task<int> ResetSendingAsync(DateTimeOffset now, CancellationToken cancellationToken) => inner.ResetSendingAsync(now, cancellationToken);

    public Task<int> PurgeDeliveredAsync(DateTimeOffset before, CancellationToken cancellationToken) => inner.PurgeDeliveredAsync(before, cancellationToken);

    public Task<DeliveryRecord?> GetAsync(string id, CancellationToken cancellationToken) => inner.GetAsync(id, cancellationToken);

    public Task<DeliveryPage> ListAsync(DeliveryQuery query, CancellationToken cancellationToken) => inner.ListAsync(query, cancellationToken);

    public Task<IReadOnlyDictionary<DeliveryState, long>> CountByStateAsync(CancellationToken cancellationToken) => inner.CountByStateAsync(cancellationToken);
}
