using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Events;

/// <summary>
/// Keeps the history within <c>FalcoHook:Events:Retention</c> and <c>MaxEvents</c>: every <c>PruneInterval</c> it
/// deletes the oldest events in transactions of <c>PruneBatchSize</c>, letting the recorder in between, so ingest (which
/// never touches the history's file) and the pipeline are not held up.
/// </summary>
public sealed partial class EventRetentionService(IEventStore store, IOptionsMonitor<EventsOptions> options, TimeProvider time,
    ILogger<EventRetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PruneAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                PruneFailed(logger, e);
            }
            try
            {
                await Task.Delay(options.CurrentValue.PruneInterval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One pass: deletes what is too old or too many; returns how many events went.</summary>
    public async Task<long> PruneAsync(CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var excess = Math.Max(0, await store.CountAsync(cancellationToken).ConfigureAwait(false) - settings.MaxEvents);
        var before = time.GetUtcNow() - settings.Retention;
        long total = 0;
        while (true)
        {
            var deleted = await store.DeleteOldestAsync(before, excess, settings.PruneBatchSize, cancellationToken).ConfigureAwait(false);
            total += deleted;
            excess = Math.Max(0, excess - deleted);
            if (deleted < settings.PruneBatchSize) break;
            await Task.Yield();
        }
        if (total > 0) Pruned(logger, total, before);
        return total;
    }

    [LoggerMessage(EventId = 1900, Level = LogLevel.Debug, Message = "Alert history: {Count} old events deleted (recorded before {Before:o}, or over the maximum)")]
    private static partial void Pruned(ILogger logger, long count, DateTimeOffset before);

    [LoggerMessage(EventId = 1901, Level = LogLevel.Warning, Message = "Alert history: pruning failed; it is tried again at the next interval")]
    private static partial void PruneFailed(ILogger logger, Exception exception);
}
