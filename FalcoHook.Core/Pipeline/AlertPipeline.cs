using System.Diagnostics;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Coordination;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Silences;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Pipeline.State;

namespace FalcoHook.Core.Pipeline;

/// <summary>
/// The pipeline, composed in this one place (Alertmanager's <c>MultiStage</c>): wraps a batch of alerts into
/// notifications, runs enrich → filter → inhibit → silence → dedup → aggregate, routes the result and hands it to the
/// outbox before returning. Batches and timer flushes run one at a time. When the outbox does not take a
/// batch, the stateful stages forget what that batch did, so the inbox can hand it over again unharmed.
/// <para>
/// With an <see cref="IPipelineStateStore"/> the dedup and aggregate state survives restarts: loaded before the first
/// batch or flush, and what a batch changed is written after its outbox write and before this returns (so before the
/// inbox deletes the rows), with the batch's inbox row ids. A crash between the two writes leaves the state as before
/// the batch, which the restart hands over again (the outbox ignores the deliveries it has); a crash after the state
/// write finds the rows marked applied, and the pipeline skips them instead of counting them twice.
/// </para>
/// </summary>
public sealed class AlertPipeline : IAlertBatchHandler, ILeaderState
{
    private readonly IReadOnlyList<IPipelineStage> _stages;
    private readonly AlertRouter _router;
    private readonly AlertFingerprint _fingerprint;
    private readonly AggregateStage? _aggregate;
    private readonly IOutbox _outbox;
    private readonly IPipelineStateStore? _state;
    private readonly IReadOnlyList<IDurableStage> _durable;
    private readonly IAlertDecisionSink[] _sinks;
    private readonly HashSet<long> _applied = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _loaded;

    /// <summary>
    /// THE composition: enrich → filter → inhibit → silence → dedup → aggregate, then route. Dedup tells aggregate about the
    /// repeats it holds back so storm summaries carry the true count. A stage disabled by configuration is left out.
    /// </summary>
    public static AlertPipeline Create(PipelineOptions options, IReadOnlyDictionary<string, DestinationOptions> destinations,
        IAlertConditionCompiler compiler, ISilenceStore silences, IOutbox outbox, TimeProvider time, PipelineTelemetry telemetry,
        IPipelineStateStore? state = null, IEnumerable<IAlertDecisionSink>? sinks = null, TimeIntervals.TimeIntervalSet? intervals = null,
        Inhibition.InhibitRuleCatalog? inhibitRules = null)
    {
        var aggregate = new AggregateStage(options.Aggregate, time, telemetry);
        IPipelineStage[] stages =
        [
            new EnrichStage(options.Enrich),
            new FilterStage(options.Filter, options.Drop, compiler, telemetry),
            new Inhibition.InhibitStage(inhibitRules ?? new Inhibition.InhibitRuleCatalog(options.Inhibit), time, telemetry),
            new SilenceStage(silences, time, telemetry, options.Silences),
            new DedupStage(options.Dedup, time, telemetry, aggregate.Enabled ? aggregate : null),
            aggregate,
        ];
        return new AlertPipeline(stages, new AlertRouter(destinations, compiler, telemetry, intervals, time), new AlertFingerprint(options.Dedup.Fields), outbox, state, sinks);
    }

    /// <summary>
    /// Any list of stages (tests compose partial pipelines); <paramref name="state"/> keeps the stages' state durable;
    /// <paramref name="sinks"/> hear what was decided for each alert (<see cref="IAlertDecisionSink"/>).
    /// </summary>
    public AlertPipeline(IReadOnlyList<IPipelineStage> stages, AlertRouter router, AlertFingerprint fingerprint, IOutbox outbox,
        IPipelineStateStore? state = null, IEnumerable<IAlertDecisionSink>? sinks = null)
    {
        _sinks = [.. sinks ?? []];
        _stages = stages.Where(s => s is not IOptionalStage { Enabled: false }).ToList();
        _router = router;
        _fingerprint = fingerprint;
        _outbox = outbox;
        _aggregate = _stages.OfType<AggregateStage>().SingleOrDefault();
        _durable = _stages.OfType<IDurableStage>().ToList();
        _state = _durable.Count > 0 ? state : null;
    }

    public IReadOnlyList<IPipelineStage> Stages => _stages;

    public async Task HandleAsync(IReadOnlyList<InboxAlert> batch, CancellationToken cancellationToken)
    {
        var origins = batch.Select(item => item.Origin).ToList();
        using var activity = StartActivity(batch);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await EnsureLoadedAsync(cancellationToken);
            IReadOnlyList<Notification> notifications = batch
                .Where(item => !_applied.Contains(item.Origin.InboxId)) // applied before a crash
                .Select(item => new Notification(item.Alert, _fingerprint.Compute(item.Alert)) { Origin = item.Origin })
                .ToList();
            if (notifications.Count == 0 && batch.Count > 0) return; // all applied already: nothing more to do
            var trail = _sinks.Length > 0 ? new DecisionTrail() : null;
            trail?.Start(notifications);
            try
            {
                foreach (var stage in _stages)
                {
                    using var stageActivity = PipelineTelemetry.StartStage(stage.Name, notifications.Count);
                    var input = notifications;
                    notifications = await stage.ProcessAsync(notifications, cancellationToken);
                    trail?.Held(stage, input, notifications);
                }
                await EnqueueAsync(notifications, trail, cancellationToken);
                await SaveStateAsync(origins, cancellationToken);
            }
            catch (Exception e)
            {
                foreach (var stage in _stages.OfType<IStatefulStage>()) stage.Rollback();
                activity?.SetStatus(ActivityStatusCode.Error, e.Message);
                throw;
            }
            foreach (var stage in _stages.OfType<IStatefulStage>()) stage.Commit();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The batch's span. It links to the request span of every alert that came through the inbox, and is the child of
    /// that span when the whole batch came from one request (the common case, which then reads as one trace from
    /// ingest to delivery). The alert's <c>falco.*</c> attributes are tags for a batch of one, events otherwise.
    /// </summary>
    private static Activity? StartActivity(IReadOnlyList<InboxAlert> batch)
    {
        var traces = batch.Select(item => item.Origin.Trace).Where(t => t != default).Distinct().ToList();
        var activity = PipelineTelemetry.ActivitySource.StartActivity("pipeline", ActivityKind.Consumer,
            parentContext: traces.Count == 1 ? traces[0] : default,
            links: traces.Select(t => new ActivityLink(t)));
        if (activity is null) return null;
        activity.SetTag("falcohook.pipeline.batch_size", batch.Count);
        if (!activity.IsAllDataRequested) return activity;
        if (batch.Count == 1)
        {
            foreach (var (key, value) in PipelineTelemetry.AlertAttributes(batch[0].Alert)) activity.SetTag(key, value);
        }
        else
        {
            foreach (var item in batch.Take(PipelineTelemetry.MaxAlertEvents))
                activity.AddEvent(new ActivityEvent("alert", tags: new ActivityTagsCollection(PipelineTelemetry.AlertAttributes(item.Alert))));
        }
        return activity;
    }

    /// <summary>
    /// Sends the summaries of storm windows that have closed by now (a BackgroundService calls this about every
    /// second; batches flush them too). Returns how many summaries went to the router.
    /// </summary>
    public async Task<int> FlushDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (_aggregate is null) return 0;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await EnsureLoadedAsync(cancellationToken);
            var summaries = _aggregate.FlushDue(now);
            if (summaries.Count == 0) return 0;
            using var activity = PipelineTelemetry.ActivitySource.StartActivity("pipeline flush");
            try
            {
                await EnqueueAsync(summaries, _sinks.Length > 0 ? new DecisionTrail() : null, cancellationToken);
                await SaveStateAsync([], cancellationToken);
            }
            catch
            {
                _aggregate.Rollback();
                throw;
            }
            _aggregate.Commit();
            return summaries.Count;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Forgets the state in memory and loads it from the store now: a replica taking over as leader (another replica
    /// ran the pipeline meanwhile) continues from where that one left off.
    /// </summary>
    public async Task ReloadAsync(CancellationToken cancellationToken)
    {
        if (_state is null) return;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _loaded = false;
            _applied.Clear();
            await EnsureLoadedAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Once, before the first batch or flush (and on <see cref="ReloadAsync"/>): the stored state replaces the stages'; what expired meanwhile is forgotten.</summary>
    private async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (_loaded || _state is null) return;
        var state = await _state.LoadAsync(cancellationToken);
        try
        {
            foreach (var stage in _durable) stage.Restore(state);
            await SaveStateAsync([], cancellationToken);
        }
        catch
        {
            foreach (var stage in _stages.OfType<IStatefulStage>()) stage.Rollback();
            throw;
        }
        foreach (var stage in _stages.OfType<IStatefulStage>()) stage.Commit();
        _applied.UnionWith(state.AppliedInboxIds);
        _loaded = true;
    }

    /// <summary>Writes what the stages changed (not yet committed) with the batch's inbox rows, when anything changed.</summary>
    private async Task SaveStateAsync(IReadOnlyList<AlertOrigin> origins, CancellationToken cancellationToken)
    {
        if (_state is null) return;
        var changes = new PipelineStateChanges();
        foreach (var stage in _durable) stage.CollectChanges(changes);
        if (changes.IsEmpty) return;
        foreach (var origin in origins) changes.AppliedInboxIds.Add(origin.InboxId);
        var forgotten = await _state.SaveAsync(changes, cancellationToken);
        foreach (var id in forgotten) _applied.Remove(id);
        _applied.UnionWith(changes.AppliedInboxIds);
    }

    /// <summary>Routes what passed the stages into the outbox, then tells the sinks what was decided (see <see cref="IAlertDecisionSink"/>).</summary>
    private async Task EnqueueAsync(IReadOnlyList<Notification> notifications, DecisionTrail? trail, CancellationToken cancellationToken)
    {
        var routed = _router.Route(notifications);
        if (routed.Count > 0) await _outbox.EnqueueAsync(routed, cancellationToken);
        if (trail is null) return;
        trail.Routed(notifications, routed, _router);
        var decisions = trail.Result();
        if (decisions.Count == 0) return;
        foreach (var sink in _sinks) await sink.RecordAsync(decisions, cancellationToken);
    }
}

/// <summary>A stage that can be switched off by configuration; the pipeline leaves a disabled one out.</summary>
public interface IOptionalStage
{
    bool Enabled { get; }
}
