using FalcoHook.Core.Coordination;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Api.Pipeline;

/// <summary>
/// Sends storm summaries when their window closes even if no further alert arrives: every second (on the
/// injected <see cref="TimeProvider"/>) it asks the pipeline to flush what is due, through the same route and outbox.
/// Of several replicas, only the leader flushes (<see cref="ILeadership"/>): it holds the aggregation state.
/// </summary>
public sealed partial class AggregateFlushService(AlertPipeline pipeline, TimeProvider time, ILogger<AggregateFlushService> logger,
    ILeadership? leadership = null)
    : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (leadership is { IsLeader: false }) continue;
                try
                {
                    var sent = await pipeline.FlushDueAsync(time.GetUtcNow(), stoppingToken);
                    if (sent > 0) LogFlushed(sent);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The summaries stay due (the pipeline rolled back); the next tick tries again.
                    LogFlushFailed(e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Sent {Count} storm summaries")]
    private partial void LogFlushed(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Storm summaries could not be handed to the outbox; retrying at the next tick")]
    private partial void LogFlushFailed(Exception exception);
}
