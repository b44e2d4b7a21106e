using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Ingest;

/// <summary>Drains the in-memory inbox into the pipeline, one batch at a time, in arrival order.</summary>
public sealed partial class InboxDrainService(BoundedAlertInbox inbox, IAlertBatchHandler handler, ILogger<InboxDrainService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<Alerts.FalcoAlert> batch;
            try { batch = await inbox.ReadAsync(stoppingToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            try
            {
                await handler.HandleAsync(batch, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogBatchFailed(logger, e, batch.Count);
            }
            finally
            {
                inbox.Complete(batch.Count);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The pipeline failed on a batch of {Count} alerts")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);
}
