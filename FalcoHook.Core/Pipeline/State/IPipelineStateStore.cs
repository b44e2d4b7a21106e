namespace FalcoHook.Core.Pipeline.State;

/// <summary>
/// Where the dedup, aggregate and inhibit stages keep their state so a restart loses no held alert and repeats no sent one.
/// The pipeline loads it once, before its first batch, and writes what each batch changed before it returns (after
/// the outbox write, before the inbox forgets the rows): one transaction per batch, only the keys that changed,
/// together with the inbox rows the batch applied, so a batch handed over again after a crash is not counted twice.
/// </summary>
public interface IPipelineStateStore
{
    /// <summary>Everything stored (the stages drop what has expired, and the pipeline writes that back at once).</summary>
    Task<PipelineState> LoadAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Writes one batch's changes in one transaction. Returns the inbox row ids no longer worth remembering (their
    /// rows have left the inbox, so they cannot be handed over again), which the store has forgotten.
    /// </summary>
    Task<IReadOnlyList<long>> SaveAsync(PipelineStateChanges changes, CancellationToken cancellationToken);
}

/// <summary>What a restart finds: dedup entries, open storm windows, inhibiting source alerts, and inbox rows already applied to them.</summary>
public sealed record PipelineState(
    IReadOnlyList<DedupEntryState> Dedup,
    IReadOnlyList<AggregateGroupState> Groups,
    IReadOnlyList<long> AppliedInboxIds)
{
    public static readonly PipelineState Empty = new([], [], []);

    /// <summary>The source alerts the inhibit stage remembers.</summary>
    public IReadOnlyList<InhibitSourceState> InhibitSources { get; init; } = [];
}

/// <summary>
/// The last source alert of one inhibition rule and one set of <c>Equal</c> values (<see cref="Key"/>): its fingerprint
/// and when the pipeline saw it.
/// </summary>
public sealed record InhibitSourceState(string Key, string Source, DateTimeOffset Seen);

/// <summary>One fingerprint the dedup stage remembers: when its window opened, how many repeats it held back since.</summary>
public sealed record DedupEntryState(string Fingerprint, DateTimeOffset First, long Repeats);

/// <summary>
/// One open storm window. <see cref="First"/> (the group's first notification, serialized) and <see cref="KeyValues"/>
/// are null when the window is not new in this batch: only the counters and samples changed.
/// </summary>
public sealed record AggregateGroupState
{
    public required string Key { get; init; }
    public required DateTimeOffset WindowStart { get; init; }
    public required long Count { get; init; }
    public required long Held { get; init; }
    public required long FirstSeenNanos { get; init; }
    public required long LastSeenNanos { get; init; }
    public required int Priority { get; init; }

    /// <summary>JSON: field → distinct values; null when unchanged in this batch (an update keeps the stored ones).</summary>
    public string? Samples { get; init; }

    /// <summary>JSON of the group key's fields and values; set for a new window only.</summary>
    public string? KeyValues { get; init; }

    /// <summary>The first notification (<c>NotificationJson</c>); set for a new window only.</summary>
    public string? First { get; init; }
}

/// <summary>What one batch (or one flush) changed, written in one transaction.</summary>
public sealed class PipelineStateChanges
{
    public List<DedupEntryState> DedupUpserts { get; } = [];
    public List<string> DedupDeletes { get; } = [];
    public List<AggregateGroupState> GroupUpserts { get; } = [];
    public List<string> GroupDeletes { get; } = [];
    public List<InhibitSourceState> InhibitUpserts { get; } = [];
    public List<string> InhibitDeletes { get; } = [];

    /// <summary>The inbox rows of the batch: once this commits, handing them over again changes nothing.</summary>
    public List<long> AppliedInboxIds { get; } = [];

    public bool IsEmpty => DedupUpserts.Count == 0 && DedupDeletes.Count == 0 && GroupUpserts.Count == 0 && GroupDeletes.Count == 0 &&
                           InhibitUpserts.Count == 0 && InhibitDeletes.Count == 0;
}

/// <summary>A stateful stage whose state is kept in an <see cref="IPipelineStateStore"/>.</summary>
public interface IDurableStage
{
    /// <summary>
    /// Takes over the stored state (once, before the first batch). What has expired is not kept, and is reported as
    /// a change by the next <see cref="CollectChanges"/>, so the store forgets it too.
    /// </summary>
    void Restore(PipelineState state);

    /// <summary>Adds what the current batch changed (not yet committed) to <paramref name="changes"/>.</summary>
    void CollectChanges(PipelineStateChanges changes);
}
