using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Ingest;

/// <summary>
/// Where ingest hands accepted alerts. An implementation takes a batch whole or not at all; once
/// <see cref="AppendAsync"/> answers <see cref="InboxAppendResult.Accepted"/> the alerts are the inbox's
/// (durably so for a durable inbox) and the caller may answer 2xx.
/// </summary>
public interface IAlertInbox
{
    ValueTask<InboxAppendResult> AppendAsync(IReadOnlyList<FalcoAlert> alerts, CancellationToken cancellationToken);

    /// <summary>Alerts accepted but not yet processed (for readiness and metrics).</summary>
    long Pending { get; }
}

public enum InboxAppendResult
{
    Accepted,
    /// <summary>The inbox stayed full for the whole wait: the caller answers 503 with Retry-After.</summary>
    Full,
}

/// <summary>
/// What the inbox's drain gives its alerts to: the pipeline. Each item carries its inbox row (<see cref="AlertOrigin"/>),
/// which decorators pass on with the alert. A batch counts as processed only when <see cref="HandleAsync"/> returns; a
/// durable inbox keeps the batch until then.
/// </summary>
public interface IAlertBatchHandler
{
    Task HandleAsync(IReadOnlyList<InboxAlert> batch, CancellationToken cancellationToken);
}
