using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Telemetry;

/// <summary>
/// Reads a gauge's value from storage every <see cref="Interval"/>, so a metrics scrape costs no query. A failed read
/// is logged and tried again at the next interval.
/// </summary>
public abstract partial class StorageGauge(TimeProvider time, ILogger logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>What the log says could not be read, e.g. "the inbox lag".</summary>
    protected abstract string What { get; }

    /// <summary>Reads the value from storage and records it.</summary>
    public abstract Task RefreshAsync(CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogRefreshFailed(logger, What, e);
            }

            try
            {
                await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read {What} from storage")]
    private static partial void LogRefreshFailed(ILogger logger, string what, Exception exception);
}
