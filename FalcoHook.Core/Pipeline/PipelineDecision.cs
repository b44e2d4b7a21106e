namespace FalcoHook.Core.Pipeline;

/// <summary>What the pipeline did with an alert at one step.</summary>
public enum DecisionKind
{
    /// <summary>The filter stage dropped it; the detail is the reason (<c>priority</c>, <c>drop_rule</c>…).</summary>
    Dropped,

    /// <summary>An active silence matched it; the detail is the silence's id.</summary>
    Silenced,

    /// <summary>A repeat inside the dedup window; the detail is the fingerprint it repeats.</summary>
    Deduplicated,

    /// <summary>Held into a storm summary; the detail is the summary's fingerprint (its group and window).</summary>
    Aggregated,

    /// <summary>An active source alert inhibited it; the detail names the inhibiting alert.</summary>
    Inhibited,

    /// <summary>Handed to the outbox for <see cref="PipelineDecision.Destinations"/>.</summary>
    Routed,

    /// <summary>It passed every stage and no destination takes it.</summary>
    Unrouted,
}

/// <summary>One step of an alert's way through the pipeline: the stage (or <c>route</c>), what it decided, and why.</summary>
public sealed record PipelineDecision(string Stage, DecisionKind Kind, string? Detail = null)
{
    /// <summary>For <see cref="DecisionKind.Routed"/>: the destinations that take the notification.</summary>
    public IReadOnlyList<string> Destinations { get; init; } = [];
}

/// <summary>
/// A notification as the pipeline last saw it (enriched; <see cref="Notification.Origin"/> set for an alert from the
/// inbox, <see cref="Notification.Digest"/> for a storm summary) and the decisions made for it, in order.
/// </summary>
public sealed record AlertDecisions(Notification Notification, IReadOnlyList<PipelineDecision> Decisions);

/// <summary>
/// A stage that can say why it held a notification back (did not return it). Asked right after the stage processed
/// the batch the notification was in; a stage that does not implement it is reported as <see cref="DecisionKind.Dropped"/>.
/// </summary>
public interface IExplainingStage
{
    PipelineDecision Explain(Notification held);
}

/// <summary>
/// Hears what the pipeline decided for every alert of a batch and for every storm summary: called after the batch's
/// deliveries are in the outbox and before its dedup and aggregation state is saved, so a sink that throws makes the
/// batch fail and be handed over again (with the same delivery ids). The same inbox row may therefore be reported
/// more than once: a sink keeps the last report. None is registered unless a feature (the alert history) needs it,
/// and then the pipeline tracks decisions; otherwise it does no extra work.
/// </summary>
public interface IAlertDecisionSink
{
    Task RecordAsync(IReadOnlyList<AlertDecisions> decisions, CancellationToken cancellationToken);
}
