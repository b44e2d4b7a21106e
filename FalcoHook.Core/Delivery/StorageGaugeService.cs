using FalcoHook.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Delivery;

/// <summary>
/// Reads the outbox's depth by state and the inbox's lag from storage every few seconds for the
/// <c>falcohook.outbox.depth</c> and <c>falcohook.inbox.lag</c> instruments (a scrape then costs no query).
/// </summary>
public sealed partial class StorageGaugeService(IOutboxStore outbox, IInboxStore inbox, DeliveryMetrics metrics,
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
        var oldest = await inbox.OldestReceivedAsync(cancellationToken).ConfigureAwait(false);
        metrics.ObserveStorage(
            counts.GetValueOrDefault(DeliveryState.Pending),
            counts.GetValueOrDefault(DeliveryState.Sending),
            counts.GetValueOrDefault(DeliveryState.Dead),
            oldest is { } received ? time.GetUtcNow() - received : TimeSpan.Zero);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the outbox depth and inbox lag from storage")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
