using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using FalcoHook.Core.Storage;

namespace FalcoHook.Core.Ingest;

/// <summary>
/// Drains the durable inbox in arrival order: reads a batch, gives it to <see cref="IAlertBatchHandler"/>
/// (the pipeline, which records its deliveries in the outbox before returning), then deletes the rows.
/// A crash before the delete means the batch is handled again after restart: at-least-once.
/// </summary>
public sealed class InboxDrainService(
    DurableAlertInbox inbox,
    IInboxStore store,
    IAlertBatchHandler handler,
    IOptions<InboxOptions> options,
    TimeProvider time,
    ILogger<InboxDrainService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batchSize = Math.Max(1, options.Value.DrainBatchSize);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                failures = await DrainOnceAsync(batchSize, failures, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return; // unprocessed rows stay; handled again after restart
            }
            catch (Exception e)
            {
                // The store failed (disk, lock): the rows are still there; try again after a pause.
                failures = Math.Min(failures + 1, 16);
                var delay = Backoff(failures);
                InboxLog.StoreFailed(logger, delay, e);
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One read-handle-delete round; returns the new count of consecutive pipeline failures.</summary>
    private async Task<int> DrainOnceAsync(int batchSize, int failures, CancellationToken stoppingToken)
    {
        var entries = await store.ReadAsync(failures > 0 ? Math.Max(1, batchSize >> failures) : batchSize, stoppingToken).ConfigureAwait(false);
        if (entries.Count == 0)
        {
            await inbox.WaitForWorkAsync(options.Value.PollInterval, stoppingToken).ConfigureAwait(false);
            return failures;
        }
        foreach (var bad in entries.Where(e => e.Alert is null)) InboxLog.BadRow(logger, bad.Id, bad.Error ?? "unknown");
        var alerts = entries.Where(e => e.Alert is not null).Select(e => e.Alert!).ToList();
        try
        {
            if (alerts.Count > 0) await handler.HandleAsync(alerts, stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            // Smaller batches after each failure, so one poisonous alert holds up only itself.
            failures = Math.Min(failures + 1, 16);
            var delay = Backoff(failures);
            InboxLog.HandlerFailed(logger, alerts.Count, delay, e);
            await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
            return failures;
        }
        await store.DeleteAsync(entries.Select(e => e.Id).ToList(), CancellationToken.None).ConfigureAwait(false);
        inbox.Release(entries.Count);
        return 0;
    }

    private TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(options.Value.FailureBackoff.Ticks << Math.Min(failures - 1, 6), TimeSpan.FromMinutes(1).Ticks));
}
