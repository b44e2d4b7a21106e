using FalcoHook.Core.Storage;

namespace FalcoHook.Core.Delivery;

/// <summary>What the deliveries API does: look at deliveries and send dead ones again.</summary>
public sealed class DeliveryService(IOutboxStore store, DeliverySignal signal, TimeProvider time)
{
    public Task<DeliveryRecord?> GetAsync(string id, CancellationToken cancellationToken) => store.GetAsync(id, cancellationToken);

    public Task<DeliveryPage> ListAsync(DeliveryQuery query, CancellationToken cancellationToken) => store.ListAsync(query, cancellationToken);

    /// <summary>A dead delivery goes back to pending, due now. False when there is no dead delivery with that id.</summary>
    public async Task<bool> RetryAsync(string id, CancellationToken cancellationToken)
    {
        var changed = await store.RetryDeadAsync(id, null, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (changed > 0) signal.Set();
        return changed > 0;
    }

    /// <summary>Every dead delivery (of one destination when given) goes back to pending; returns how many.</summary>
    public async Task<int> RetryAllAsync(string? destination, CancellationToken cancellationToken)
    {
        var changed = await store.RetryDeadAsync(null, destination, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        if (changed > 0) signal.Set();
        return changed;
    }
}
