using FalcoHook.Core.Pipeline.State;

namespace FalcoHook.Core.Pipeline;

/// <summary>Told about each repeat the dedup stage holds back, so a storm summary can carry the true count.</summary>
public interface IDuplicateObserver
{
    void OnDuplicate(Notification duplicate);
}

/// <summary>
/// Dedup: a notification whose <see cref="Notification.Fingerprint"/> was first seen at <c>first</c> is a repeat
/// while <c>first &lt;= now &lt; first + Window</c> (pipeline clock, <see cref="TimeProvider"/>): it is counted
/// against the first (<see cref="RepeatsOf"/>, <c>falcohook.pipeline.deduplicated</c>) and not sent. The window
/// is measured from the first occurrence and is not extended by repeats; at exactly <c>first + Window</c> the
/// alert is new again and opens the next window. State is bounded: expired entries are swept at most once per
/// window (and whenever the map is full), and past <see cref="DedupOptions.MaxKeys"/> a new fingerprint is not
/// tracked — its alert is sent rather than risk losing it. With an <see cref="IPipelineStateStore"/> the entries
/// survive restarts: restored before the first batch, each batch's changed keys written through.
/// </summary>
public sealed class DedupStage : IPipelineStage, IStatefulStage, IOptionalStage, IDurableStage, IExplainingStage
{
    private readonly DedupOptions _options;
    private readonly TimeProvider _time;
    private readonly PipelineTelemetry _telemetry;
    private readonly IDuplicateObserver? _observer;
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Entry?> _undo = new(StringComparer.Ordinal);
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;

    public DedupStage(DedupOptions options, TimeProvider time, PipelineTelemetry telemetry, IDuplicateObserver? observer = null)
    {
        _options = options;
        _time = time;
        _telemetry = telemetry;
        _observer = observer;
    }

    public string Name => "dedup";

    public bool Enabled => _options.Enabled;

    /// <summary>Fingerprints remembered now.</summary>
    public int Count => _entries.Count;

    /// <summary>Repeats held back in the current window of <paramref name="fingerprint"/> (null when not tracked).</summary>
    public long? RepeatsOf(string fingerprint) => _entries.TryGetValue(fingerprint, out var e) ? e.Repeats : null;

    public ValueTask<IReadOnlyList<Notification>> ProcessAsync(IReadOnlyList<Notification> batch, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        Sweep(now, force: false);
        var output = new List<Notification>(batch.Count);
        foreach (var notification in batch)
        {
            var key = notification.Fingerprint;
            var known = _entries.TryGetValue(key, out var entry);
            if (known && now < entry.First + _options.Window)
            {
                Remember(key, entry);
                _entries[key] = entry with { Repeats = entry.Repeats + 1 };
                _telemetry.Deduplicated.Add(1);
                _observer?.OnDuplicate(notification);
                continue;
            }
            if (!known && _entries.Count >= _options.MaxKeys) Sweep(now, force: true);
            if (known || _entries.Count < _options.MaxKeys)
            {
                Remember(key, known ? entry : null);
                _entries[key] = new Entry(now, 0);
            }
            output.Add(notification);
        }
        return ValueTask.FromResult<IReadOnlyList<Notification>>(output);
    }

    public PipelineDecision Explain(Notification held) => new(Name, DecisionKind.Deduplicated, held.Fingerprint);

    private void Sweep(DateTimeOffset now, bool force)
    {
        if (!force && now < _nextSweep) return;
        _nextSweep = now + _options.Window;
        List<string>? expired = null;
        foreach (var (key, entry) in _entries)
            if (now >= entry.First + _options.Window) (expired ??= []).Add(key);
        if (expired is null) return;
        foreach (var key in expired)
        {
            Remember(key, _entries[key]);
            _entries.Remove(key);
        }
    }

    private void Remember(string key, Entry? previous) => _undo.TryAdd(key, previous);

    public void Commit() => _undo.Clear();

    public void Rollback()
    {
        foreach (var (key, previous) in _undo)
        {
            if (previous is { } entry) _entries[key] = entry;
            else _entries.Remove(key);
        }
        _undo.Clear();
    }

    public void Restore(PipelineState state)
    {
        var now = _time.GetUtcNow();
        foreach (var stored in state.Dedup)
        {
            if (now < stored.First + _options.Window && _entries.Count < _options.MaxKeys)
                _entries[stored.Fingerprint] = new Entry(stored.First, stored.Repeats);
            else Remember(stored.Fingerprint, null); // expired (or no room): forgotten in the store too
        }
    }

    public void CollectChanges(PipelineStateChanges changes)
    {
        foreach (var key in _undo.Keys)
        {
            if (_entries.TryGetValue(key, out var entry)) changes.DedupUpserts.Add(new DedupEntryState(key, entry.First, entry.Repeats));
            else changes.DedupDeletes.Add(key);
        }
    }

    private readonly record struct Entry(DateTimeOffset First, long Repeats);
}
