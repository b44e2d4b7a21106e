using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Pipeline.State;

namespace FalcoHook.Core.Inhibition;

/// <summary>
/// Inhibit (Alertmanager's inhibitor): each alert matching a rule's source matchers is remembered, per rule and per
/// values of the rule's <c>Equal</c> names, with the pipeline time it was seen; a later alert matching the rule's
/// target matchers, with the same values, seen before that time + <c>Duration</c> is counted
/// (<c>falcohook.pipeline.inhibited</c>) and not sent, and its decision names the source alert's fingerprint. At exactly
/// seen + Duration the target is sent again. An alert never inhibits itself (same fingerprint). Alerts are looked at in
/// batch order, so a source earlier in the same batch inhibits a later target. With an <see cref="IPipelineStateStore"/>
/// the remembered sources survive restarts. Runs after the filter, before silences: a silenced source still inhibits.
/// The rules are the <see cref="InhibitRuleCatalog"/>'s current set, read for every batch, so rules put or deleted
/// through the API apply from the next batch on; a source keeps the Duration of the rule that saw it until it expires.
/// </summary>
public sealed class InhibitStage : IPipelineStage, IStatefulStage, IOptionalStage, IDurableStage, IExplainingStage
{
    private readonly InhibitRuleCatalog _catalog;
    private readonly TimeProvider _time;
    private readonly PipelineTelemetry _telemetry;
    private readonly Dictionary<string, Source> _sources = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Source?> _undo = new(StringComparer.Ordinal);
    private readonly Dictionary<Notification, string> _heldBy = new(ReferenceEqualityComparer.Instance);
    private DateTimeOffset _nextSweep = DateTimeOffset.MinValue;
    private IReadOnlyList<InhibitSourceState>? _pendingRestore;

    /// <summary>The rules of configuration only.</summary>
    public InhibitStage(IReadOnlyList<InhibitRuleOptions> options, TimeProvider time, PipelineTelemetry telemetry)
        : this(new InhibitRuleCatalog(options), time, telemetry)
    {
    }

    public InhibitStage(InhibitRuleCatalog catalog, TimeProvider time, PipelineTelemetry telemetry)
    {
        _catalog = catalog;
        _time = time;
        _telemetry = telemetry;
    }

    public string Name => "inhibit";

    /// <summary>On when rules are configured, or when rules may be put through the API.</summary>
    public bool Enabled => _catalog.Dynamic || _catalog.Current.Rules.Count > 0;

    public IReadOnlyList<InhibitRule> Rules => _catalog.Current.Rules;

    /// <summary>Source alerts remembered now.</summary>
    public int Count => _sources.Count;

    public async ValueTask<IReadOnlyList<Notification>> ProcessAsync(IReadOnlyList<Notification> batch, CancellationToken cancellationToken)
    {
        _heldBy.Clear();
        await _catalog.EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        if (_pendingRestore is { } pending)
        {
            _pendingRestore = null;
            Apply(pending);
        }
        var rules = _catalog.Current;
        var now = _time.GetUtcNow();
        Sweep(now, rules.Longest);
        if (rules.Rules.Count == 0) return batch;
        var output = new List<Notification>(batch.Count);
        foreach (var notification in batch)
        {
            var alert = notification.Alert;
            var labels = AlertLabels.From(alert);
            var inhibitor = InhibitorOf(rules.Rules, notification, labels, now);
            foreach (var rule in rules.Rules)
            {
                if (!rule.IsSource(alert, labels)) continue;
                var key = rule.Key(alert, labels);
                _undo.TryAdd(key, _sources.TryGetValue(key, out var previous) ? previous : null);
                _sources[key] = new Source(notification.Fingerprint, now, rule.Duration);
            }
            if (inhibitor is null)
            {
                output.Add(notification);
                continue;
            }
            _telemetry.Inhibited.Add(1);
            _heldBy[notification] = inhibitor;
        }
        return output;
    }

    private string? InhibitorOf(IReadOnlyList<InhibitRule> rules, Notification notification, IReadOnlyDictionary<string, string> labels, DateTimeOffset now)
    {
        foreach (var rule in rules)
        {
            if (!rule.IsTarget(notification.Alert, labels)) continue;
            if (_sources.TryGetValue(rule.Key(notification.Alert, labels), out var source) &&
                now < source.Seen + rule.Duration && source.Fingerprint != notification.Fingerprint)
                return source.Fingerprint;
        }
        return null;
    }

    public PipelineDecision Explain(Notification held) => new(Name, DecisionKind.Inhibited, _heldBy.GetValueOrDefault(held));

    /// <summary>Forgets sources whose Duration has passed, at most once per longest Duration.</summary>
    private void Sweep(DateTimeOffset now, TimeSpan longest)
    {
        if (now < _nextSweep || _sources.Count == 0) return;
        _nextSweep = now + longest;
        foreach (var (key, source) in _sources.ToList())
        {
            if (now < source.Seen + source.Duration) continue;
            _undo.TryAdd(key, source);
            _sources.Remove(key);
        }
    }

    public void Commit() => _undo.Clear();

    public void Rollback()
    {
        foreach (var (key, previous) in _undo)
        {
            if (previous is { } source) _sources[key] = source;
            else _sources.Remove(key);
        }
        _undo.Clear();
    }

    /// <summary>
    /// Takes over the stored sources; when the rules put through the API are not loaded yet, at the start of the next
    /// batch (after they are), so their sources are not taken for those of deleted rules.
    /// </summary>
    public void Restore(PipelineState state)
    {
        if (_catalog.IsLoaded) Apply(state.InhibitSources);
        else _pendingRestore = state.InhibitSources;
    }

    private void Apply(IReadOnlyList<InhibitSourceState> sources)
    {
        var now = _time.GetUtcNow();
        var durations = _catalog.Current.Rules.GroupBy(r => r.Id).ToDictionary(g => g.Key, g => g.Max(r => r.Duration), StringComparer.Ordinal);
        foreach (var stored in sources)
        {
            var ruleId = stored.Key.Split('\u001f')[0];
            if (durations.TryGetValue(ruleId, out var duration) && now < stored.Seen + duration)
                _sources[stored.Key] = new Source(stored.Source, stored.Seen, duration);
            else _undo.TryAdd(stored.Key, null); // expired, or its rule is gone: forgotten in the store too
        }
    }

    public void CollectChanges(PipelineStateChanges changes)
    {
        foreach (var key in _undo.Keys)
        {
            if (_sources.TryGetValue(key, out var source)) changes.InhibitUpserts.Add(new InhibitSourceState(key, source.Fingerprint, source.Seen));
            else changes.InhibitDeletes.Add(key);
        }
    }

    private readonly record struct Source(string Fingerprint, DateTimeOffset Seen, TimeSpan Duration);
}
