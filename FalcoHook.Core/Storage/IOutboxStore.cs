using FalcoHook.Core.Delivery;

namespace FalcoHook.Core.Storage;

/// <summary>Durable storage of deliveries: one row per (notification, destination).</summary>
public interface IOutboxStore
{
    /// <summary>
    /// Records new pending deliveries in one transaction. A delivery whose id is stored already is left as it is:
    /// ids are derived from the inbox row, so a batch handled again after a crash adds nothing twice.
    /// </summary>
    Task AddAsync(IReadOnlyList<NewDelivery> deliveries, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Records <paramref name="pending"/> as <see cref="AddAsync"/> does and, in the same transaction where the store
    /// has one, <paramref name="claimed"/> already claimed: in <c>sending</c> as <see cref="ClaimDueAsync"/> leaves a
    /// row (under this replica's lease where the store has leases). Returns the claimed rows it inserted, as a claim
    /// returns them; a delivery whose id is stored already is left as it is and is not returned. A store without it
    /// records every delivery pending and returns none.
    /// </summary>
    async Task<IReadOnlyList<DeliveryRecord>> AddClaimingAsync(IReadOnlyList<NewDelivery> pending, IReadOnlyList<NewDelivery> claimed,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        await AddAsync([.. pending, .. claimed], now, cancellationToken).ConfigureAwait(false);
        return [];
    }

    /// <summary>
    /// Marks up to <paramref name="max"/> due pending deliveries of <paramref name="destination"/> as
    /// <c>sending</c>, oldest due first, and returns them.
    /// </summary>
    Task<IReadOnlyList<DeliveryRecord>> ClaimDueAsync(string destination, DateTimeOffset now, int max, CancellationToken cancellationToken);

    /// <summary>The destinations that have a due pending delivery.</summary>
    Task<IReadOnlyList<string>> DueDestinationsAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>When the next pending delivery falls due, if any.</summary>
    Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken);

    Task MarkDeliveredAsync(string id, int attempts, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Marks many deliveries delivered at once (a batch the sink accepted); each with its own attempt count.</summary>
    async Task MarkDeliveredAsync(IReadOnlyList<(string Id, int Attempts)> deliveries, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var (id, attempts) in deliveries) await MarkDeliveredAsync(id, attempts, now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Records the outcomes of many sends at once (what concurrent sends finished meanwhile), in one transaction where
    /// the store has them. Each applies as <see cref="MarkDeliveredAsync(string, int, DateTimeOffset, CancellationToken)"/>,
    /// <see cref="ScheduleRetryAsync"/> or <see cref="MarkDeadAsync"/> would, with the same conditions on the claim.
    /// </summary>
    async Task RecordOutcomesAsync(IReadOnlyList<DeliveryOutcome> outcomes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var outcome in outcomes)
        {
            var task = outcome.State switch
            {
                DeliveryState.Delivered => MarkDeliveredAsync(outcome.Id, outcome.Attempts, now, cancellationToken),
                DeliveryState.Pending => ScheduleRetryAsync(outcome.Id, outcome.Attempts, outcome.NextAttemptAt ?? now, outcome.Error ?? "", now, cancellationToken),
                DeliveryState.Dead => MarkDeadAsync(outcome.Id, outcome.Attempts, outcome.Error ?? "", now, cancellationToken),
                _ => throw new ArgumentException($"{outcome.State} is not the outcome of a send", nameof(outcomes)),
            };
            await task.ConfigureAwait(false);
        }
    }

    Task ScheduleRetryAsync(string id, int attempts, DateTimeOffset nextAttemptAt, string error, DateTimeOffset now, CancellationToken cancellationToken);

    Task MarkDeadAsync(string id, int attempts, string error, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Puts a claimed delivery back to pending without counting an attempt (shutdown).</summary>
    Task ReleaseAsync(string id, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deliveries left in <c>sending</c> by a crash go back to pending; returns how many.</summary>
    Task<int> ResetSendingAsync(DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Deletes deliveries delivered before <paramref name="before"/>; returns how many.</summary>
    Task<int> PurgeDeliveredAsync(DateTimeOffset before, CancellationToken cancellationToken);

    Task<DeliveryRecord?> GetAsync(string id, CancellationToken cancellationToken);

    Task<DeliveryPage> ListAsync(DeliveryQuery query, CancellationToken cancellationToken);

    /// <summary>Dead deliveries (one, or all, optionally of one destination) go back to pending, due now, with a fresh attempt count.</summary>
    Task<int> RetryDeadAsync(string? id, string? destination, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>How many deliveries are in each state (states with none are left out).</summary>
    Task<IReadOnlyDictionary<DeliveryState, long>> CountByStateAsync(CancellationToken cancellationToken);
}
