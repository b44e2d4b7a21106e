using FalcoHook.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Delivery;

/// <summary>
/// Reads the outbox's depth by state from storage every few seconds for <c>falcohook.outbox.depth</c> (a scrape then
/// costs no query).
/// </summary>
public sealed partial class StorageGaugeService(IOutboxStore outbox, DeliveryMetrics metrics,
    TimeProvider time, ILogger<StorageGaugeService> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogRefreshFailed(logger, e);
                await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var counts = await outbox.CountByStateAsync(cancellationToken).ConfigureAwait(false);
        metrics.ObserveStorage(
            counts.GetValueOrDefault(DeliveryState.Pending),
            counts.GetValueOrDefault(DeliveryState.Sending),
            counts.GetValueOrDefault(DeliveryState.Dead));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the outbox depth from storage")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
