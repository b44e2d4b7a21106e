using FalcoHook.Core.Alerts;
using FalcoHook.Core.Fields;
using FalcoHook.Core.Pipeline.State;

namespace FalcoHook.Core.Pipeline;

/// <summary>
/// Aggregate (alert storms). Alerts are grouped by <see cref="AggregateOptions.EffectiveGroupBy"/>; a group's
/// window opens at its first alert (pipeline clock) and covers <c>[start, start + Window)</c>. The first
/// <c>Threshold</c> alerts of a window pass one by one; the rest are held (<c>falcohook.pipeline.aggregated</c>).
/// When the window has closed — at the next batch or the next <see cref="FlushDue"/> at or after its end — a group
/// that went past its threshold yields ONE summary whose <see cref="AlertDigest.Count"/> is the true count: every
/// alert of the group in the window, those sent one by one, those held, and the repeats the dedup stage held back
/// (<see cref="IDuplicateObserver"/>). An alert arriving exactly at the window's end opens the next window.
/// With an <see cref="IPipelineStateStore"/> open windows survive restarts (restored before the first batch, each
/// batch's changed groups written through); a window that ended while the service was down flushes at the first
/// tick or batch.
/// </summary>
public sealed class AggregateStage : IPipelineStage, IStatefulStage, IOptionalStage, IDuplicateObserver, IDurableStage, IExplainingStage
{
    private const int MaxSampledFields = 32;

    private readonly AggregateOptions _options;
    private readonly TimeProvider _time;
    private readonly PipelineTelemetry _telemetry;
    private readonly IReadOnlyList<string> _groupBy;
    private readonly Dictionary<string, AggregateGroup> _groups = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AggregateGroup?> _undo = new(StringComparer.Ordinal);
    private readonly List<Notification> _ready = [];
    private readonly List<Notification> _duplicates = [];
    // The summary each notification of the last batch was held into (the pipeline asks right after the batch).
    private readonly Dictionary<Notification, string> _heldInto = new(ReferenceEqualityComparer.Instance);

    public AggregateStage(AggregateOptions options, TimeProvider time, PipelineTelemetry telemetry)
    {
        _options = options;
        _time = time;
        _telemetry = telemetry;
        _groupBy = options.EffectiveGroupBy;
    }

    public string Name => "aggregate";

    public bool Enabled => _options.Enabled;

    /// <summary>Open groups now.</summary>
    public int Count => _groups.Count;

    public ValueTask<IReadOnlyList<Notification>> ProcessAsync(IReadOnlyList<Notification> batch, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        _heldInto.Clear();
        var output = new List<Notification>(FlushDue(now));
        foreach (var notification in batch)
        {
            var group = Track(notification, now);
            if (group is null || group.Count <= _options.Threshold)
            {
                output.Add(notification);
                continue;
            }
            group.Held++;
            _heldInto[notification] = group.SummaryFingerprint;
            _telemetry.Aggregated.Add(1);
        }
        // Repeats dedup held back in this batch count after the batch's own alerts: a repeat never pushes the
        // alert it repeats over the threshold.
        foreach (var duplicate in _duplicates) Track(duplicate, now);
        _duplicates.Clear();
        return ValueTask.FromResult<IReadOnlyList<Notification>>(output);
    }

    public PipelineDecision Explain(Notification held) => new(Name, DecisionKind.Aggregated, _heldInto.GetValueOrDefault(held));

    /// <summary>A repeat held back by dedup still counts in its group's window (applied when this stage runs).</summary>
    public void OnDuplicate(Notification duplicate) => _duplicates.Add(duplicate);

    /// <summary>Closes every window that ended at or before <paramref name="now"/> and returns the summaries due.</summary>
    public IReadOnlyList<Notification> FlushDue(DateTimeOffset now)
    {
        List<string>? closed = null;
        foreach (var (key, group) in _groups)
            if (now >= group.WindowStart + _options.Window) (closed ??= []).Add(key);
        if (closed is not null) foreach (var key in closed) Close(key);
        var due = _ready.ToList();
        _ready.Clear();
        return due;
    }

    private AggregateGroup? Track(Notification notification, DateTimeOffset now)
    {
        var values = new string[_groupBy.Count];
        for (var i = 0; i < values.Length; i++) values[i] = FalcoAlertFieldProvider.Text(notification.Alert, _groupBy[i]) ?? "";
        var key = string.Join('\u001f', values);
        if (_groups.TryGetValue(key, out var group) && now >= group.WindowStart + _options.Window)
        {
            Close(key);
            group = null;
        }
        if (group is null)
        {
            if (_groups.Count >= _options.MaxGroups) return null;
            _undo.TryAdd(key, null);
            group = new AggregateGroup(key, _groupBy.Zip(values).ToDictionary(p => p.First, p => p.Second), now, notification);
            _groups[key] = group;
        }
        else if (!_undo.ContainsKey(key)) _undo[key] = group.Clone();
        group.Observe(notification.Alert, _options.SampleValues, MaxSampledFields);
        return group;
    }

    private void Close(string key)
    {
        var group = _groups[key];
        _undo.TryAdd(key, group.Clone());
        _groups.Remove(key);
        if (group.Count > _options.Threshold) _ready.Add(group.Summarize(_options.Window));
    }

    public void Restore(PipelineState state)
    {
        foreach (var stored in state.Groups) _groups[stored.Key] = AggregateGroup.FromState(stored);
    }

    public void CollectChanges(PipelineStateChanges changes)
    {
        foreach (var (key, previous) in _undo)
        {
            if (!_groups.TryGetValue(key, out var group))
            {
                changes.GroupDeletes.Add(key);
                continue;
            }
            var isNew = previous is null || previous.WindowStart != group.WindowStart;
            changes.GroupUpserts.Add(group.ToState(isNew, samplesChanged: isNew || previous!.SamplesVersion != group.SamplesVersion));
        }
    }

    public void Commit() => _undo.Clear();

    public void Rollback()
    {
        foreach (var (key, previous) in _undo)
        {
            if (previous is null) _groups.Remove(key);
            else _groups[key] = previous;
        }
        _undo.Clear();
        _ready.Clear();
        _duplicates.Clear();
    }
}
