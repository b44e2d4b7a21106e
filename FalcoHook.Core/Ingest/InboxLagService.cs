using FalcoHook.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Ingest;

/// <summary>
/// Reads the inbox's oldest row from storage every few seconds for <c>falcohook.inbox.lag</c> (a scrape then costs no
/// query).
/// </summary>
public sealed partial class InboxLagService(IInboxStore store, InboxMetrics metrics, TimeProvider time, ILogger<InboxLagService> logger)
    : BackgroundService
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
        var oldest = await store.OldestReceivedAsync(cancellationToken).ConfigureAwait(false);
        metrics.ObserveLag(oldest is { } received ? time.GetUtcNow() - received : TimeSpan.Zero);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the inbox lag from storage")]
    private static partial void LogRefreshFailed(ILogger logger, Exception exception);
}
