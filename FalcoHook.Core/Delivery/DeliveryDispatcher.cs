using System.Diagnostics;
using FalcoHook.Core.Coordination;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Telemetry;
using FalcoHook.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Delivery;

/// <summary>
/// Sends due deliveries. Per destination: at most <c>MaxConcurrency</c> in flight, at most <c>RatePerSecond</c>
/// sends a second (across all replicas when an <see cref="IDeliveryRateGate"/> is given). Claims rows (pending -> sending), sends, then records the outcome: a crash between the
/// two leaves the row in sending, and the next start puts it back to pending: one resend, never a loss.
/// A claim takes several rounds of sends at once (<see cref="ClaimAhead"/>) into the destination's lane, whose
/// <c>MaxConcurrency</c> workers send them in order. A worker hands a send's outcome to the <see cref="OutcomeMarker"/>
/// and goes on to its next row without waiting for the commit: the outcomes of many sends are recorded together, and a
/// write turn held by the inbox delays the marks, not the sends. A row stays in sending until its outcome has committed
/// (a crash before re-sends it), and counts against the lane's depth until then, so at most <see cref="ClaimAhead"/>
/// rows are held per lane. Claimed rows not yet sent go back to pending at shutdown, which waits for the outcomes of
/// what was sent; a row held longer than half its lease is put back rather than sent late.
/// Fresh rows also arrive without a claim: once a lane has claimed all that was due (a claim returned fewer rows than it
/// asked for, or none was due), the outbox writes the rows the lane has room for already claimed and hands them over in
/// memory (<see cref="DeliveryHandoff"/>), until the lane refuses some for lack of room; those go pending, oldest due
/// first as before, and are claimed.
/// Woken by <see cref="DeliverySignal"/> (new rows, a lane running low, a retry) or by the next due time.
/// </summary>
public sealed class DeliveryDispatcher : BackgroundService, ILaneHandoff
{
    private readonly IOutboxStore _store;
    private readonly DestinationCatalog _catalog;
    private readonly DeliveryOptions _options;
    private readonly RetryPolicy _retry;
    private readonly DeliverySignal _signal;
    private readonly TimeProvider _time;
    private readonly ILogger<DeliveryDispatcher> _logger;
    private readonly Dictionary<string, Lane> _lanes = new(StringComparer.Ordinal);
    private readonly HashSet<Task> _inFlight = [];
    private readonly CancellationTokenSource _sends = new();
    private DateTimeOffset _nextPurge = DateTimeOffset.MinValue;

    private readonly DeliveryMetrics? _metrics;
    private readonly BatchDispatch _batches;
    private readonly IDeliveryRateGate? _rateGate;
    private readonly OutcomeMarker _marker;
    private readonly TimeSpan _claimHold;
    private readonly DeliveryHandoff? _handoff;
    private volatile bool _stopping;

    public DeliveryDispatcher(IOutboxStore store, DestinationCatalog catalog,
        IOptions<DeliveryOptions> options, DeliverySignal signal, TimeProvider time, ILogger<DeliveryDispatcher> logger,
        DeliveryMetrics? metrics = null, IDeliveryRateGate? rateGate = null, IOptions<DeliveryLeaseOptions>? leases = null,
        DeliveryHandoff? handoff = null)
    {
        _handoff = handoff;
        _marker = new OutcomeMarker(store, time);
        _claimHold = (leases?.Value.LeaseDuration ?? new DeliveryLeaseOptions().LeaseDuration) / 2;
        _metrics = metrics;
        _rateGate = rateGate;
        _store = store;
        _catalog = catalog;
        _options = options.Value;
        _retry = new RetryPolicy(_options);
        _signal = signal;
        _time = time;
        _logger = logger;
        _batches = new BatchDispatch(store, time, signal, logger, metrics, RecordAsync, Track, _sends.Token);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var recovered = await _store.ResetSendingAsync(_time.GetUtcNow(), stoppingToken).ConfigureAwait(false);
        if (recovered > 0) DeliveryLog.Recovered(_logger, recovered);
        _handoff?.Open(this); // only now: the reset above would put rows handed over before it back to pending
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await DispatchDueAsync(stoppingToken).ConfigureAwait(false);
                    await _signal.Signal.WaitAsync(await NextWaitAsync(stoppingToken).ConfigureAwait(false), stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e)
                {
                    DeliveryLog.LoopFailed(_logger, _options.PollInterval, e);
                    await Task.Delay(_options.PollInterval, _time, stoppingToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            _stopping = true;
            await ReleaseReadyAsync().ConfigureAwait(false);
            await DrainInFlightAsync().ConfigureAwait(false);
        }
    }

    private async Task DispatchDueAsync(CancellationToken stoppingToken)
    {
        var now = _time.GetUtcNow();
        if (now >= _nextPurge)
        {
            await _store.PurgeDeliveredAsync(now - _options.DeliveredRetention, stoppingToken).ConfigureAwait(false);
            _nextPurge = now + TimeSpan.FromMinutes(10);
        }
        var refusals = Refusals();
        var due = await _store.DueDestinationsAsync(now, stoppingToken).ConfigureAwait(false);
        CatchUp(refusals, due);
        foreach (var name in due)
        {
            if (!_catalog.TryGet(name, out var destination))
            {
                var orphans = await _store.ClaimDueAsync(name, now, 100, stoppingToken).ConfigureAwait(false);
                await _store.RecordOutcomesAsync([.. orphans.Select(o => DeliveryOutcome.Dead(o.Id, o.Attempts, $"destination '{name}' is not configured"))],
                    now, CancellationToken.None).ConfigureAwait(false);
                continue;
            }
            if (!destination.Options.Enabled) continue;
            if (destination.Batching is { } batching)
            {
                _batches.Offer(destination, batching);
                continue;
            }
            var lane = LaneFor(name, destination);
            var concurrency = destination.Options.MaxConcurrency;
            int want;
            long refused;
            lock (lane.Ready)
            {
                if (!lane.Wants(concurrency)) continue;
                want = lane.Depth - lane.Held;
                refused = lane.Refusals;
            }
            if (want <= 0) continue;
            var claimed = await _store.ClaimDueAsync(name, now, want, stoppingToken).ConfigureAwait(false);
            int start;
            lock (lane.Ready)
            {
                // Fewer than asked: nothing due is left, so fresh rows may come by hand (unless some were refused meanwhile).
                if (claimed.Count < want && lane.Refusals == refused) lane.CaughtUp = true;
                start = lane.Enqueue(claimed, now, concurrency);
            }
            for (var i = 0; i < start; i++) Track(WorkAsync(lane, destination));
        }
    }

    /// <summary>Each lane's count of refused hand-offs, before the store is read.</summary>
    private Dictionary<string, long> Refusals()
    {
        lock (_lanes)
            return _lanes.ToDictionary(l => l.Key, l => { lock (l.Value.Ready) return l.Value.Refusals; }, StringComparer.Ordinal);
    }

    /// <summary>A lane with nothing due in the store, and no hand-off refused since it was read, takes fresh rows by hand.</summary>
    private void CatchUp(Dictionary<string, long> refusals, IReadOnlyList<string> due)
    {
        foreach (var (name, before) in refusals)
        {
            if (due.Contains(name, StringComparer.Ordinal)) continue;
            Lane lane;
            lock (_lanes) lane = _lanes[name];
            lock (lane.Ready) if (lane.Refusals == before) lane.CaughtUp = true;
        }
    }

    int ILaneHandoff.Reserve(string destination, int count)
    {
        if (_stopping || !_catalog.TryGet(destination, out var configured) || !configured.Options.Enabled || configured.Batching is not null) return 0;
        var lane = LaneFor(destination, configured);
        lock (lane.Ready)
        {
            var taken = lane.CaughtUp && !_stopping ? Math.Clamp(lane.Depth - lane.Held, 0, count) : 0;
            if (taken < count)
            {
                // The rest go pending, behind which no fresh row may go by hand until a claim has taken them.
                lane.CaughtUp = false;
                lane.Refusals++;
            }
            lane.Reserved += taken;
            return taken;
        }
    }

    void ILaneHandoff.Complete(string destination, int reserved, IReadOnlyList<DeliveryRecord> claimed)
    {
        Lane lane;
        lock (_lanes) lane = _lanes[destination]; // made by Reserve
        var known = _catalog.TryGet(destination, out var configured);
        var start = 0;
        bool release;
        lock (lane.Ready)
        {
            lane.Reserved -= reserved;
            release = _stopping || !known;
            if (!release) start = lane.Enqueue(claimed, claimed.Count > 0 ? claimed[0].Updated : _time.GetUtcNow(), configured!.Options.MaxConcurrency);
        }
        if (release)
        {
            // Stopping (or the destination is gone): back to pending, or, should that fail or come too late, reset at the next start.
            foreach (var row in claimed) Track(ReleaseAsync(row));
            return;
        }
        for (var i = 0; i < start; i++) Track(WorkAsync(lane, configured!));
    }

    /// <summary>
    /// How many rows a lane holds claimed (waiting, in flight, or sent with the outcome not yet committed): 32 rounds
    /// of <c>MaxConcurrency</c> sends, at most 256, and for a rate-limited destination no more than two seconds of its
    /// rate (or one round). The lane claims again once a quarter of it is free, so under load (a claim waits for the
    /// write turn behind the inbox's commits) the workers still have most of the depth to send meanwhile. The depth
    /// bounds the lane's rate at depth / (claim + send + outcome commit): under load a row spends about 25 ms in that
    /// cycle, so twelve rounds (48 rows at the default 4) would hold a lane under 2,000 sends/s with its workers idle half the time.
    /// </summary>
    internal static int ClaimAhead(ConfiguredDestination destination)
    {
        var concurrency = destination.Options.MaxConcurrency;
        var ahead = Math.Max(concurrency, Math.Min(concurrency * 32, 256));
        if (destination.RatePerSecond > 0) ahead = Math.Min(ahead, Math.Max(concurrency, (int)Math.Ceiling(destination.RatePerSecond * 2)));
        return ahead;
    }

    /// <summary>One of a lane's workers: sends the lane's claimed rows in order until none is left (or shutdown).</summary>
    private async Task WorkAsync(Lane lane, ConfiguredDestination destination)
    {
        await Task.Yield();
        var concurrency = destination.Options.MaxConcurrency;
        try
        {
            while (true)
            {
                Claimed next;
                bool low;
                lock (lane.Ready)
                {
                    if (_stopping || !lane.Ready.TryDequeue(out next))
                    {
                        lane.Workers--;
                        return;
                    }
                    lane.Sending++;
                    low = lane.Wants(concurrency);
                }
                if (low) _signal.Set(); // the dispatch loop claims the next rows while these are sent
                try
                {
                    await SendAsync(lane, destination, next).ConfigureAwait(false);
                }
                finally
                {
                    lock (lane.Ready) lane.Sending--;
                }
            }
        }
        finally
        {
            _signal.Set();
        }
    }

    /// <summary>At shutdown: claimed rows that no worker has started go back to pending.</summary>
    private async Task ReleaseReadyAsync()
    {
        var now = _time.GetUtcNow();
        Lane[] lanes;
        lock (_lanes) lanes = [.. _lanes.Values];
        foreach (var lane in lanes)
        {
            Claimed[] waiting;
            lock (lane.Ready)
            {
                waiting = [.. lane.Ready];
                lane.Ready.Clear();
            }
            foreach (var claimed in waiting)
            {
                try { await _store.ReleaseAsync(claimed.Row.Id, now, CancellationToken.None).ConfigureAwait(false); }
                catch (Exception) { /* left in sending: reset at the next start (or its lease lapses) */ }
            }
        }
    }

    /// <summary>Keeps a send in the set that shutdown waits for.</summary>
    private void Track(Task task)
    {
        lock (_inFlight) _inFlight.Add(task);
        _ = task.ContinueWith(t => { lock (_inFlight) _inFlight.Remove(t); }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task<TimeSpan> NextWaitAsync(CancellationToken stoppingToken)
    {
        var next = await _store.NextDueAsync(stoppingToken).ConfigureAwait(false);
        if (next is null) return _options.PollInterval;
        var wait = next.Value - _time.GetUtcNow();
        // Due now yet not claimed: its lane is full (a finished send signals) or it is disabled; wait for the poll.
        if (wait <= TimeSpan.Zero) return _options.PollInterval;
        return wait < _options.PollInterval ? wait : _options.PollInterval;
    }

    private Lane LaneFor(string name, ConfiguredDestination destination)
    {
        lock (_lanes)
        {
            if (!_lanes.TryGetValue(name, out var lane))
                _lanes[name] = lane = new Lane(new TokenBucket(destination.RatePerSecond, _time), ClaimAhead(destination));
            return lane;
        }
    }

    private async Task SendAsync(Lane lane, ConfiguredDestination destination, Claimed claimed)
    {
        var row = claimed.Row;
        var token = _sends.Token;
        var attempt = row.Attempts + 1;
        var endpoint = destination.Endpoint is { } uri ? Redaction.Url(uri) : destination.Type.Name;
        try
        {
            if (_rateGate is null) await lane.Bucket.WaitAsync(token).ConfigureAwait(false);
            else await _rateGate.WaitAsync(row.Destination, destination.RatePerSecond, token).ConfigureAwait(false);
            if (_time.GetUtcNow() - claimed.At > _claimHold)
            {
                // Held too long to be sure the claim is still ours (a lease may lapse): claim it afresh instead.
                await _store.ReleaseAsync(row.Id, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
                return;
            }
            using var activity = StartAttempt(row, destination, attempt);
            var started = _time.GetTimestamp();
            SendResult result;
            try
            {
                var notification = NotificationJson.Deserialize(row.NotificationJson);
                if (activity is { IsAllDataRequested: true })
                    foreach (var (key, value) in Pipeline.PipelineTelemetry.AlertAttributes(notification.Alert)) activity.SetTag(key, value);
                result = await destination.Sender.SendAsync(new DeliveryAttempt(row.Id, destination, notification, attempt), token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or KeyNotFoundException)
            {
                result = SendResult.Permanent("stored notification is unreadable: " + e.Message);
            }
            catch (Exception e) when (!token.IsCancellationRequested)
            {
                result = HttpOutcome.FromException(e, destination.Options);
            }
            var now = _time.GetUtcNow();
            var decision = Decide(row, attempt, destination, result, now, activity);
            activity?.SetTag("delivery.outcome", decision.Name);
            var marked = _marker.RecordAsync(decision.Outcome);
            lock (lane.Ready) lane.Marking++;
            Track(ConfirmAsync(lane, destination, row, endpoint, decision, now, _time.GetElapsedTime(started), marked));
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            await _store.ReleaseAsync(row.Id, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            DeliveryLog.RecordFailed(_logger, row.Id, e);
            await ReleaseAsync(row).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Off the worker's path: waits until a send's outcome has committed, then logs and counts it. If the write failed,
    /// the row goes back to pending (a resend, never a loss); if even that fails, the next start does it.
    /// </summary>
    private async Task ConfirmAsync(Lane lane, ConfiguredDestination destination, DeliveryRecord row, string endpoint, Decision decision,
        DateTimeOffset now, TimeSpan duration, Task marked)
    {
        try
        {
            await marked.ConfigureAwait(false);
            Recorded(destination, row, endpoint, decision.Outcome, now);
            _metrics?.Attempted(row.Destination, destination.Type.Name, decision.Name, duration);
        }
        catch (Exception e)
        {
            DeliveryLog.RecordFailed(_logger, row.Id, e);
            await ReleaseAsync(row).ConfigureAwait(false);
        }
        finally
        {
            bool low;
            lock (lane.Ready)
            {
                lane.Marking--;
                low = lane.Wants(destination.Options.MaxConcurrency);
            }
            if (low) _signal.Set(); // room in the lane for the next claim
        }
    }

    private async Task ReleaseAsync(DeliveryRecord row)
    {
        try { await _store.ReleaseAsync(row.Id, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false); }
        catch (Exception) { /* left in sending: reset at the next start */ }
    }

    /// <summary>
    /// The span of one attempt: the child of the span that made the delivery (stored with the row as a traceparent,
    /// so a retry hours later, or after a restart, is still in the alert's trace); the HTTP client span nests in it.
    /// </summary>
    private static Activity? StartAttempt(DeliveryRecord row, ConfiguredDestination destination, int attempt)
    {
        Activity.Current = null; // the dispatcher's loop is no parent: the row's trace is
        var activity = FalcoHookTelemetry.ActivitySource.StartActivity(AttemptSpanName, ActivityKind.Producer, TraceParent.Parse(row.TraceParent));
        if (activity is null) return null;
        activity.SetTag("destination", row.Destination);
        activity.SetTag("destination.type", destination.Type.Name);
        activity.SetTag("delivery.id", row.Id);
        activity.SetTag("delivery.attempt", attempt);
        return activity;
    }

    /// <summary>The name of a delivery attempt's span.</summary>
    public const string AttemptSpanName = "delivery attempt";

    /// <summary>Records the outcome and waits for its commit; returns delivered, retry or dead (for <see cref="BatchDispatch"/>).</summary>
    private async Task<string> RecordAsync(DeliveryRecord row, int attempt, ConfiguredDestination destination, string endpoint, SendResult result, Activity? activity)
    {
        var now = _time.GetUtcNow();
        var decision = Decide(row, attempt, destination, result, now, activity);
        await _marker.RecordAsync(decision.Outcome).ConfigureAwait(false);
        Recorded(destination, row, endpoint, decision.Outcome, now);
        return decision.Name;
    }

    /// <summary>What a send's result makes of its row: delivered, a retry at the next attempt's time, or dead.</summary>
    private Decision Decide(DeliveryRecord row, int attempt, ConfiguredDestination destination, SendResult result, DateTimeOffset now, Activity? activity)
    {
        var error = Redaction.Scrub(Redaction.Scrub(result.Error ?? "", destination), _catalog.All.Values);
        if (result.Outcome != SendOutcome.Delivered) activity?.SetStatus(ActivityStatusCode.Error, error);
        return result.Outcome switch
        {
            SendOutcome.Delivered => new(DeliveryOutcome.Delivered(row.Id, attempt), "delivered"),
            SendOutcome.Retry when _retry.NextAttempt(attempt, row.Created, now, result.RetryAfter) is { } next =>
                new(DeliveryOutcome.Retry(row.Id, attempt, next, error), "retry"),
            SendOutcome.Retry => new(DeliveryOutcome.Dead(row.Id, attempt,
                $"gave up after {attempt} attempts (MaxAttempts {_options.MaxAttempts}, MaxAge {_options.MaxAge}): {error}"), "dead"),
            _ => new(DeliveryOutcome.Dead(row.Id, attempt, error), "dead"),
        };
    }

    /// <summary>Logs (and for a delivery, counts) an outcome once it has committed.</summary>
    private void Recorded(ConfiguredDestination destination, DeliveryRecord row, string endpoint, DeliveryOutcome outcome, DateTimeOffset now)
    {
        switch (outcome.State)
        {
            case DeliveryState.Delivered:
                _metrics?.Delivered(row.Destination, destination.Type.Name, now - row.Created);
                DeliveryLog.Delivered(_logger, row.Id, row.Destination, endpoint, outcome.Attempts);
                break;
            case DeliveryState.Pending:
                DeliveryLog.WillRetry(_logger, row.Id, row.Destination, endpoint, outcome.Attempts, outcome.Error ?? "", outcome.NextAttemptAt ?? now);
                break;
            default:
                DeliveryLog.Dead(_logger, row.Id, row.Destination, endpoint, outcome.Attempts, outcome.Error ?? "");
                break;
        }
    }

    /// <summary>What to record for a send and its name in metrics and spans (delivered, retry or dead).</summary>
    private readonly record struct Decision(DeliveryOutcome Outcome, string Name);

    /// <summary>
    /// At shutdown: waits for the sends in flight (cancelled after <c>ShutdownGrace</c>) and for the outcome writes they
    /// started, which are not cancelled.
    /// </summary>
    private async Task DrainInFlightAsync()
    {
        var grace = Task.Delay(_options.ShutdownGrace, _time);
        while (true)
        {
            Task[] running;
            lock (_inFlight) running = [.. _inFlight.Where(t => !t.IsCompleted)];
            if (running.Length == 0) return;
            var all = Task.WhenAll(running);
            if (!_sends.IsCancellationRequested && await Task.WhenAny(all, grace).ConfigureAwait(false) != all)
                await _sends.CancelAsync().ConfigureAwait(false);
            await all.ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        _sends.Dispose();
        base.Dispose();
    }

    /// <summary>
    /// A destination's claimed rows and workers; <see cref="Ready"/> is also the lock for the counts. A claimed row is
    /// held (reserved for a hand-off, ready, sending, or sent with its outcome not yet committed) until its outcome commits.
    /// </summary>
    private sealed class Lane(TokenBucket bucket, int depth)
    {
        public readonly TokenBucket Bucket = bucket;
        public readonly Queue<Claimed> Ready = new();
        /// <summary>At most this many rows held (<see cref="ClaimAhead"/>).</summary>
        public readonly int Depth = depth;
        public int Workers;
        public int Sending;
        public int Marking;
        /// <summary>Rows the outbox is writing claimed for this lane (<see cref="ILaneHandoff.Reserve"/>).</summary>
        public int Reserved;
        /// <summary>Nothing due waits in the store: fresh rows may be handed over instead of claimed.</summary>
        public bool CaughtUp;
        /// <summary>Hand-offs refused (their rows went pending), so that a claim begun before one does not count as caught up.</summary>
        public long Refusals;

        public int Held => Reserved + Ready.Count + Sending + Marking;

        /// <summary>Queues claimed rows (under the lock); returns how many workers to start.</summary>
        public int Enqueue(IReadOnlyList<DeliveryRecord> rows, DateTimeOffset at, int concurrency)
        {
            foreach (var row in rows) Ready.Enqueue(new Claimed(row, at));
            var start = 0;
            while (Workers < concurrency && Workers < Ready.Count + Sending)
            {
                Workers++;
                start++;
            }
            return start;
        }

        /// <summary>
        /// Whether to claim again (under the lock): the workers are about to run out of rows, or a quarter of the depth
        /// is free, so that claims are several rows each while the next one is taken well ahead of the sends.
        /// </summary>
        public bool Wants(int concurrency) => Held < Depth && (Ready.Count < concurrency || Depth - Held >= Math.Max(1, Depth / 4));
    }

    /// <summary>A claimed row and when it was claimed.</summary>
    private readonly record struct Claimed(DeliveryRecord Row, DateTimeOffset At);
}
