using FalcoHook.Core.Storage;
using FalcoHook.Core.Telemetry;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Delivery;

/// <summary>Reads the outbox's depth by state from storage for <c>falcohook.outbox.depth</c>.</summary>
public sealed class StorageGaugeService(IOutboxStore outbox, DeliveryMetrics metrics, TimeProvider time,
    ILogger<StorageGaugeService> logger) : StorageGauge(time, logger)
{
    protected override string What => "the outbox depth";

    public override async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var counts = await outbox.CountByStateAsync(cancellationToken).ConfigureAwait(false);
        metrics.ObserveStorage(
            counts.GetValueOrDefault(DeliveryState.Pending),
            counts.GetValueOrDefault(DeliveryState.Sending),
            counts.GetValueOrDefault(DeliveryState.Dead));
    }
}
