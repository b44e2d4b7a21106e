using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Events;

/// <summary>An event is an alert from the inbox or a storm summary the aggregate stage made.</summary>
public enum EventKind
{
    Alert = 0,
    Summary = 1,
}

/// <summary>A delivery the pipeline made for an event: its stable outbox id and destination.</summary>
public sealed record EventDeliveryRef(string Id, string Destination);

/// <summary>
/// What the history records for one alert or storm summary, as the pipeline last reported it (enriched notification,
/// decisions in order, the deliveries it made). An alert's event id is its inbox row id; a summary's is given by the store.
/// </summary>
public sealed record EventRecord(EventKind Kind, Notification Notification, DateTimeOffset Received,
    IReadOnlyList<PipelineDecision> Decisions, IReadOnlyList<EventDeliveryRef> Deliveries)
{
    /// <summary>The inbox row id for an alert; 0 for a summary.</summary>
    public long InboxId => Notification.Origin?.InboxId ?? 0;

    /// <summary>What became of it in the end: the last decision (unrouted when there is none).</summary>
    public DecisionKind Outcome => Decisions.Count == 0 ? DecisionKind.Unrouted : Decisions[^1].Kind;

    /// <summary>For an alert held into a storm: the summary's fingerprint.</summary>
    public string? SummaryFingerprint => Decisions.LastOrDefault(d => d.Kind == DecisionKind.Aggregated)?.Detail;

    /// <summary>
    /// The notification, decisions and deliveries as the history stores them, when this record was read from that JSON
    /// (a spool record, <see cref="Spool.SpoolRecord.Read"/>): the store keeps these texts rather than writing them again.
    /// Null for a record the pipeline made.
    /// </summary>
    public EventRecordJson? Json { get; init; }
}

/// <summary>
/// An <see cref="EventRecord"/>'s JSON columns as UTF-8 (half the memory of strings while the record waits in the
/// writer's queue): <see cref="Delivery.NotificationJson.Serialize"/>, <see cref="EventJson.Decisions"/> and
/// <see cref="EventJson.Deliveries"/> of its parts.
/// </summary>
public sealed record EventRecordJson(byte[] Notification, byte[] Decisions, byte[] Deliveries)
{
    public string NotificationText => System.Text.Encoding.UTF8.GetString(Notification);
    public string DecisionsText => System.Text.Encoding.UTF8.GetString(Decisions);
    public string DeliveriesText => System.Text.Encoding.UTF8.GetString(Deliveries);
}

/// <summary>One event as lists show it.</summary>
public sealed record StoredEvent
{
    /// <summary>An alert's inbox row id (positive); a storm summary's id is negative.</summary>
    public required long Id { get; init; }
    public required EventKind Kind { get; init; }

    /// <summary>The alert's own time (Falco's <c>time</c>; a summary's is its window's end).</summary>
    public required DateTimeOffset Time { get; init; }

    /// <summary>When FalcoHook received it (a summary: when it was made).</summary>
    public required DateTimeOffset Received { get; init; }
    public required Priority Priority { get; init; }
    public required string Rule { get; init; }
    public string? Source { get; init; }
    public string? Hostname { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];
    public required string Output { get; init; }
    public required DecisionKind Outcome { get; init; }
    public required string Fingerprint { get; init; }

    /// <summary>For an alert held into a storm summary: that summary's fingerprint.</summary>
    public string? SummaryFingerprint { get; init; }

    /// <summary>For a summary: how many alerts it stands for.</summary>
    public long? Count { get; init; }
}

/// <summary>
/// One event with everything the history knows: the notification (Falco's alert, enrichment, a summary's digest), the
/// decisions, the deliveries with their state, and the links between events.
/// </summary>
public sealed record EventDetail
{
    public required StoredEvent Event { get; init; }
    public required Notification Notification { get; init; }

    /// <summary>The alert as Falco's JSON.</summary>
    public required string AlertJson { get; init; }
    public required IReadOnlyList<PipelineDecision> Decisions { get; init; }
    public required IReadOnlyList<EventDelivery> Deliveries { get; init; }

    /// <summary>For a deduplicated alert: the event it repeats (the latest earlier one with its fingerprint that was not itself a repeat), when still kept.</summary>
    public long? RepeatOf { get; init; }

    /// <summary>For an alert held into a storm: the summary's event id, once the summary is made.</summary>
    public long? SummaryId { get; init; }

    /// <summary>For a summary: the ids of the alerts held into it that are still kept (up to <see cref="EventStore.MaxHeldListed"/>).</summary>
    public IReadOnlyList<long> HeldAlerts { get; init; } = [];
}

/// <summary>
/// A delivery of an event with its state from the outbox. The outbox deletes delivered rows after
/// <c>FalcoHook:Delivery:DeliveredRetention</c>, and only delivered ones: a delivery no longer there was delivered
/// (<see cref="Purged"/>, attempts unknown).
/// </summary>
public sealed record EventDelivery(string Id, string Destination, DeliveryState State, int? Attempts, string? LastError,
    DateTimeOffset? Updated, DateTimeOffset? NextAttemptAt, bool Purged);

/// <summary>Which events to read. Every filter given must hold; <see cref="Text"/> is free text over rule, output and output field values.</summary>
public sealed record EventQuery
{
    /// <summary>Events whose time is at or after this.</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>Events whose time is before this.</summary>
    public DateTimeOffset? Until { get; init; }
    public Priority? MinimumPriority { get; init; }
    public string? Rule { get; init; }
    public string? Source { get; init; }
    public string? Hostname { get; init; }

    /// <summary>The Kubernetes namespace (<c>k8s.ns.name</c>, else <c>ka.target.namespace</c>: as <see cref="EventStats.ByNamespace"/> counts it), exactly.</summary>
    public string? Namespace { get; init; }

    /// <summary>Every one of these tags (ignoring case).</summary>
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary>Output field values, exactly (<c>k8s.ns.name</c> = <c>payments</c>).</summary>
    public IReadOnlyDictionary<string, string> Fields { get; init; } = new Dictionary<string, string>();

    /// <summary>Free text: every word must occur in the rule, the output or an output field value; <c>word*</c> is a prefix.</summary>
    public string? Text { get; init; }
    public DecisionKind? Outcome { get; init; }
    public EventKind? Kind { get; init; }
}

/// <summary>A page of events, newest first; <see cref="Next"/> reads the next (older) page, null at the end.</summary>
public sealed record EventPage(IReadOnlyList<StoredEvent> Items, string? Next);

/// <summary>How many alerts have one value of a dimension.</summary>
public sealed record EventCount(string Key, long Count);

/// <summary>One bucket of the timeline: alerts by priority name.</summary>
public sealed record TimelineBucket(DateTimeOffset Start, IReadOnlyDictionary<string, long> ByPriority)
{
    public long Total => ByPriority.Values.Sum();
}

/// <summary>A storm window still open: alerts held into a summary not made yet.</summary>
public sealed record StormInProgress(string Fingerprint, string Rule, long Held, DateTimeOffset First, DateTimeOffset Last);

/// <summary>
/// Counts of the alerts (storm summaries not counted: they stand for alerts counted already) matching a query, by
/// dimension (most first, up to <see cref="EventStore.MaxStatsKeys"/> each), a timeline, and the storms in progress.
/// </summary>
public sealed record EventStats
{
    public required long Total { get; init; }
    public required IReadOnlyList<EventCount> ByPriority { get; init; }
    public required IReadOnlyList<EventCount> BySource { get; init; }
    public required IReadOnlyList<EventCount> ByRule { get; init; }
    public required IReadOnlyList<EventCount> ByHostname { get; init; }

    /// <summary>By Kubernetes namespace (<c>k8s.ns.name</c>, else <c>ka.target.namespace</c>); alerts without one are left out.</summary>
    public required IReadOnlyList<EventCount> ByNamespace { get; init; }
    public required IReadOnlyList<EventCount> ByTag { get; init; }
    public required TimeSpan BucketSize { get; init; }
    public required IReadOnlyList<TimelineBucket> Timeline { get; init; }
    public required IReadOnlyList<StormInProgress> Storms { get; init; }
}
