using FalcoHook.Core.Ingest;

namespace FalcoHook.Core.Telemetry;

/// <summary>
/// Decorates the inbox's <see cref="IAlertBatchHandler"/> (the pipeline): writes each alert of a batch to the
/// <see cref="SecurityEventLog"/>, then hands the batch on. Logging comes first, so an alert is in the log even
/// when the pipeline throws; a batch the inbox hands over again (at-least-once) is logged again.
/// </summary>
public sealed class SecurityEventLoggingHandler(IAlertBatchHandler inner, SecurityEventLog log) : IAlertBatchHandler
{
    /// <summary>The decorated handler.</summary>
    public IAlertBatchHandler Inner => inner;

    public Task HandleAsync(IReadOnlyList<InboxAlert> batch, CancellationToken cancellationToken)
    {
        foreach (var item in batch) log.Write(item.Alert);
        return inner.HandleAsync(batch, cancellationToken);
    }
}
