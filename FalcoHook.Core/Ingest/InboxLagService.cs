using FalcoHook.Core.Storage;
using FalcoHook.Core.Telemetry;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Ingest;

/// <summary>Reads the inbox's oldest row from storage for <c>falcohook.inbox.lag</c>.</summary>
public sealed class InboxLagService(IInboxStore store, InboxMetrics metrics, TimeProvider time, ILogger<InboxLagService> logger)
    : StorageGauge(time, logger)
{
    private readonly TimeProvider _time = time;

    protected override string What => "the inbox lag";

    public override async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var oldest = await store.OldestReceivedAsync(cancellationToken).ConfigureAwait(false);
        metrics.ObserveLag(oldest is { } received ? _time.GetUtcNow() - received : TimeSpan.Zero);
    }
}
