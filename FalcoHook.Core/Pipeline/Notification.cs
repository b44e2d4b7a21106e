using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Pipeline;

/// <summary>
/// An alert on its way out of the pipeline to one or more destinations: the alert itself, its fingerprint
/// (identity for dedup and the PagerDuty dedup_key), what enrichment added, and, for a storm summary,
/// the digest of the alerts it stands for.
/// </summary>
public sealed record Notification(FalcoAlert Alert, string Fingerprint)
{
    public Enrichment? Enrichment { get; init; }

    /// <summary>Set when this notification summarises an aggregated group instead of one alert.</summary>
    public AlertDigest? Digest { get; init; }

    /// <summary>
    /// The inbox row and request trace of the alert: set by the pipeline on every alert it is handed; null for a
    /// storm summary. Read back from storage it keeps the inbox row and time, not the trace. The outbox derives stable
    /// delivery ids and the delivery's trace from it (<see cref="Delivery.RoutedNotification"/> refuses an alert without it).
    /// </summary>
    public Ingest.AlertOrigin? Origin { get; init; }
}

/// <summary>What the enrich stage learned about an alert.</summary>
public sealed record Enrichment
{
    /// <summary>Critical, High, Medium or Low, from the priority.</summary>
    public required string Severity { get; init; }

    /// <summary>execution, network, filesystem, privilege escalation, discovery, credential access, or other.</summary>
    public required string Category { get; init; }

    /// <summary>MITRE ATT&amp;CK technique ids found in the tags (T1609, T1552.007…).</summary>
    public IReadOnlyList<string> Techniques { get; init; } = [];

    /// <summary>Who and what: process, user, container, image, namespace, pod, Kubernetes user, target object.</summary>
    public IReadOnlyDictionary<string, string> Indicators { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<string> Recommendations { get; init; } = [];

    /// <summary>Custom fields from configuration.</summary>
    public IReadOnlyDictionary<string, string> CustomFields { get; init; } = new Dictionary<string, string>();
}

/// <summary>A storm summary: how many alerts of one group arrived in one window, and what they looked like.</summary>
public sealed record AlertDigest
{
    public required long Count { get; init; }
    public required FalcoTime FirstSeen { get; init; }
    public required FalcoTime LastSeen { get; init; }
    public required string FirstOutput { get; init; }

    /// <summary>The group key's fields and values.</summary>
    public IReadOnlyDictionary<string, string> GroupKey { get; init; } = new Dictionary<string, string>();

    /// <summary>A sample of distinct values per output field seen in the group.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Samples { get; init; } = new Dictionary<string, IReadOnlyList<string>>();
}
