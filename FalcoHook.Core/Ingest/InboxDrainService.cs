using FalcoHook.Core.Coordination;
using FalcoHook.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Ingest;

/// <summary>
/// Drains the durable inbox in arrival order: reads a batch, gives it to <see cref="IAlertBatchHandler"/>
/// (the pipeline, which records its deliveries in the outbox before returning), then deletes the rows.
/// A crash before the delete means the batch is handled again after restart: at-least-once, and without new
/// deliveries, because delivery ids derive from the inbox rows each <see cref="InboxAlert"/> carries.
/// <para>
/// A failing batch is retried with a growing pause, its rows one at a time, so one poisonous alert holds up only
/// itself. An alert that fails <see cref="IngestOptions.MaxHandleAttempts"/> times in a row is suspected; when the
/// alert after it then goes through (the pipeline works) and one last attempt of the suspect fails too, its row
/// goes to <c>inbox_dead</c>. When the next alert fails as well the pipeline itself is failing and the suspect is
/// cleared. Rows that no longer parse go to <c>inbox_dead</c> at once. Nothing is deleted unhandled.
/// </para>
/// <para>
/// Once a read of the store has shown that every row left is in the writer's record of just-committed rows
/// (<see cref="CommittedRowHandoff"/>), the drain takes rows from that record instead of reading them back, until the
/// record breaks, a batch fails, or <see cref="IngestOptions.PollInterval"/> passes (docs/ARCHITECTURE.md, "The drain").
/// </para>
/// <para>
/// Replicas sharing one database (<see cref="ILeadership.Shared"/>) drain only while they lead, and read the store every
/// <see cref="CoordinationOptions.SharedInboxPoll"/> (their own record of commits is not all the rows); a replica that
/// does not lead lets its inbox's pending count follow the shared table, which the leader drains.
/// </para>
/// <para>
/// With an <see cref="IInboxDeleteBarrier"/> (the alert history's writer), a handled batch's rows are deleted once the
/// barrier has passed the batch, in one delete with the other batches it has passed, while the drain goes on with the
/// next rows. A read of the store starts after the last row handled, so it does not wait for the barrier (but for the
/// cases in <see cref="NextAsync"/>); when it stops, the drain waits for the barrier and deletes them all; caught up, it
/// waits for new rows or the barrier, whichever comes first.
/// </para>
/// </summary>
public sealed class InboxDrainService(
    DurableAlertInbox inbox,
    IInboxStore store,
    IAlertBatchHandler handler,
    IOptions<IngestOptions> options,
    TimeProvider time,
    ILogger<InboxDrainService> logger,
    InboxMetrics? metrics = null,
    ILeadership? leadership = null,
    IOptions<CoordinationOptions>? coordination = null,
    IInboxDeleteBarrier? barrier = null) : BackgroundService
{
    private const int MaxStoredError = 4000;

    /// <summary>
    /// Handled batches that may wait for the barrier before the drain waits for it. Their rows count against the inbox's
    /// capacity until deleted, which is what bounds them; this only bounds the drain's list of them.
    /// </summary>
    private const int MaxUndeletedBatches = 4096;

    /// <summary>How long a stopping drain waits for the barrier to pass its last batches.</summary>
    internal TimeSpan StopWait { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Handled batches whose rows wait for the <see cref="IInboxDeleteBarrier"/>, oldest first.</summary>
    private readonly Queue<(List<long> Ids, long Mark)> _undeleted = new();

    /// <summary>The barrier; without one, every handled batch has passed it, and its rows are deleted at once.</summary>
    private readonly IInboxDeleteBarrier _barrier = barrier ?? PassedAtOnce.Instance;

    /// <summary>Rows up to this id are handled one at a time (a batch holding them failed).</summary>
    private long _isolateThrough;

    private Suspect? _suspect;

    /// <summary>
    /// Nonzero while the rows the inbox writer keeps (<see cref="CommittedRowHandoff"/>) are all the rows in the store:
    /// the epoch of that record. Zero: read the store.
    /// </summary>
    private long _fromMemory;

    private long _storeReadAt;

    /// <summary><see cref="DurableAlertInbox.Requeues"/> at the last read of the store from the oldest row.</summary>
    private long _requeuesRead;

    /// <summary>Whether the drain takes rows from memory now (for tests).</summary>
    internal bool TakingFromMemory => Interlocked.Read(ref _fromMemory) != 0;

    /// <summary>The highest row id handled so far; remembered rows at or below it were read from the store already.</summary>
    private long _handledThrough;

    private CommittedRowHandoff Committed => inbox.Committed;

    private bool Shared => leadership is { Shared: true };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await inbox.Started.WaitAsync(stoppingToken).ConfigureAwait(false);
        if (!Shared)
        {
            try
            {
                await DrainAsync(stoppingToken).ConfigureAwait(false);
            }
            finally
            {
                await DeleteLastAsync().ConfigureAwait(false);
            }
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            CancellationToken term;
            try
            {
                term = await FollowUntilLeadingAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            using var leading = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, term);
            try
            {
                await DrainAsync(leading.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (leading.IsCancellationRequested)
            {
                // stopped, or stepped down during a pause: the rows stay for whoever leads
            }
            // Stepped down: whatever this replica knew of the rows is stale once another leads; the leader handles the
            // rows not deleted yet again (and their work behind the barrier with them).
            _undeleted.Clear();
            _fromMemory = 0;
            _suspect = null;
            _isolateThrough = 0;
        }
    }

    /// <summary>
    /// Until this replica leads: every <see cref="CoordinationOptions.SharedInboxPoll"/> (at least a second apart),
    /// releases the inbox room of rows the leader drained. Returns the leadership term.
    /// </summary>
    private async Task<CancellationToken> FollowUntilLeadingAsync(CancellationToken stoppingToken)
    {
        var lead = leadership!.LeadAsync(stoppingToken);
        var interval = coordination?.Value.SharedInboxPoll ?? TimeSpan.FromMilliseconds(100);
        if (interval < TimeSpan.FromSeconds(1)) interval = TimeSpan.FromSeconds(1);
        while (!lead.IsCompleted)
        {
            await Task.WhenAny(lead, Task.Delay(interval, time, stoppingToken)).ConfigureAwait(false);
            if (lead.IsCompleted) break;
            stoppingToken.ThrowIfCancellationRequested();
            try
            {
                var stored = await store.CountAsync(stoppingToken).ConfigureAwait(false);
                var drained = inbox.Pending - stored;
                if (drained > 0) inbox.Release((int)Math.Min(drained, int.MaxValue));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                InboxLog.StoreFailed(logger, interval, e);
            }
        }
        return await lead.ConfigureAwait(false);
    }

    /// <summary>Drains until <paramref name="stoppingToken"/> is cancelled (the service stops, or this replica stops leading).</summary>
    private async Task DrainAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                failures = await DrainOnceAsync(failures, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return; // unprocessed rows stay; handled again after restart
            }
            catch (Exception e)
            {
                // The store failed (disk, lock): the rows are still there; try again after a pause, from the store.
                _fromMemory = 0;
                failures = Math.Min(failures + 1, 16);
                var delay = Backoff(failures);
                InboxLog.StoreFailed(logger, delay, e);
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One read-handle-delete round; returns the new count of consecutive pipeline failures.</summary>
    private async Task<int> DrainOnceAsync(int failures, CancellationToken stoppingToken)
    {
        var isolating = _suspect is not null || _isolateThrough > 0;
        var max = isolating ? 2 : Math.Max(1, options.Value.DrainBatchSize);
        var (entries, readEpoch) = await NextAsync(isolating, max, stoppingToken).ConfigureAwait(false);
        if (entries.Count == 0)
        {
            // The store was empty, and every row committed since is in the record begun before the read.
            if (readEpoch != 0 && Committed.IsComplete(readEpoch)) _fromMemory = readEpoch;
            var poll = Shared ? coordination?.Value.SharedInboxPoll ?? TimeSpan.FromMilliseconds(100) : options.Value.PollInterval;
            await DeleteHandledAsync(keepAtMost: int.MaxValue, stoppingToken).ConfigureAwait(false);
            if (_undeleted.Count > 0)
            {
                // Caught up with rows still waiting for the barrier: go on at new rows or at the barrier's passing them.
                using var either = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var work = inbox.WaitForWorkAsync(poll, either.Token);
                var passed = _barrier.WaitAsync(_undeleted.Peek().Mark, either.Token);
                await Task.WhenAny(work, passed).ConfigureAwait(false);
                await either.CancelAsync().ConfigureAwait(false);
                await work.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await passed.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                stoppingToken.ThrowIfCancellationRequested();
                return failures;
            }
            await inbox.WaitForWorkAsync(poll, stoppingToken).ConfigureAwait(false);
            return failures;
        }
        foreach (var bad in entries.Where(e => e.Alert is null))
        {
            InboxLog.BadRow(logger, bad.Id, bad.Error ?? "unknown", bad.Json);
            await BuryAsync(bad.Id, "unreadable: " + (bad.Error ?? "unknown"), 0, "unreadable").ConfigureAwait(false);
        }
        var readable = entries.Where(e => e.Alert is not null).ToList();
        if (readable.Count == 0) return failures;
        if (readable[0].Id > _isolateThrough) _isolateThrough = 0;

        if (_suspect is not null && _suspect.Id != readable[0].Id) _suspect = null; // gone meanwhile
        var suspect = _suspect;
        var probe = suspect is { Cleared: false } && suspect.Failures >= MaxAttempts && readable.Count > 1;
        List<InboxEntry> batch = probe ? [readable[1]]
            : suspect is not null || readable[0].Id <= _isolateThrough ? [readable[0]]
            : readable;
        if (probe) InboxLog.Probing(logger, suspect!.Id, suspect.Failures);

        try
        {
            await handler.HandleAsync(batch.Select(InboxAlert.FromRow).ToList(), stoppingToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            _fromMemory = 0; // isolation and suspects work on the store
            if (suspect is { Cleared: true } && !probe)
            {
                // Failed again right after a later alert went through: it is this alert.
                InboxLog.Poisoned(logger, suspect.Id, suspect.Failures + 1, batch[0].Json, e);
                await BuryAsync(suspect.Id, Describe(e), suspect.Failures + 1, "failing").ConfigureAwait(false);
                _suspect = null;
                return 0;
            }
            if (probe) _suspect = null; // the next alert fails too: the pipeline is failing, not the suspect
            else if (batch.Count > 1) _isolateThrough = batch[^1].Id;
            else _suspect = suspect is null ? new Suspect(batch[0].Id, 1) : suspect with { Failures = suspect.Failures + 1 };
            failures = Math.Min(failures + 1, 16);
            var delay = Backoff(failures);
            InboxLog.HandlerFailed(logger, batch.Count, delay, e);
            await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
            return failures;
        }
        _handledThrough = Math.Max(_handledThrough, batch[^1].Id);
        _undeleted.Enqueue((batch.Select(e => e.Id).ToList(), _barrier.Mark()));
        await DeleteHandledAsync(keepAtMost: MaxUndeletedBatches, stoppingToken).ConfigureAwait(false);
        // A later alert went through: the suspect gets one last attempt, now. A suspect that went through is cleared.
        _suspect = probe ? suspect! with { Cleared = true } : null;
        // The whole read handled, and every row left in the store is in the record begun before it: take rows from memory.
        if (readEpoch != 0 && batch.Count == readable.Count && _suspect is null && _isolateThrough == 0
            && (entries.Count < max ? Committed.IsComplete(readEpoch) : Committed.HoldsFrom(readEpoch, entries[^1].Id)))
        {
            _handledThrough = Math.Max(_handledThrough, entries[^1].Id);
            _fromMemory = readEpoch;
        }
        // Caught up (fewer rows than a batch): let a few more commits arrive before the next round, so the drain's own
        // commits (state, outbox, delete) take the SQLite write turn once per several inbox commits, not after each.
        var linger = options.Value.DrainLinger;
        if (entries.Count < max && linger > TimeSpan.Zero) await Task.Delay(linger, stoppingToken).ConfigureAwait(false);
        return 0;
    }

    /// <summary>
    /// The oldest rows: from memory when that is authoritative (<see cref="_fromMemory"/>), else from the store; then
    /// returns the epoch of the record begun just before the read (0 when taken from memory, or isolating).
    /// </summary>
    private async Task<(IReadOnlyList<InboxEntry> Entries, long ReadEpoch)> NextAsync(bool isolating, int max, CancellationToken stoppingToken)
    {
        // The store is read at least every poll interval, so a row that got into the file some other way is found then.
        // Shared: other replicas commit rows this one's record does not hold.
        if (_fromMemory != 0 && !isolating && !Shared && time.GetElapsedTime(_storeReadAt) < options.Value.PollInterval)
        {
            var taken = new List<InboxEntry>();
            if (Committed.TryTake(_fromMemory, _handledThrough, max, taken)) return (taken, 0);
            _fromMemory = 0; // incomplete now (a dead row put back, overflow): the store has the rows
        }
        _fromMemory = 0;
        // The store still holds the handled rows the barrier has not passed yet. The inbox numbers its rows in commit order
        // and never again, so the rows after the last one handled are all that is left to handle: the read starts there,
        // without waiting for the barrier. It starts from the oldest (once the barrier has passed every handled row, and
        // they are deleted) while a failed batch's rows are handled one at a time (a later row may have gone through
        // before an earlier one), after a dead row was put back with its old id, and when replicas share the inbox
        // (their commits interleave).
        var requeues = inbox.Requeues;
        var fromOldest = isolating || Shared || requeues != _requeuesRead;
        await DeleteHandledAsync(keepAtMost: fromOldest ? 0 : int.MaxValue, stoppingToken).ConfigureAwait(false);
        _requeuesRead = requeues;
        _storeReadAt = time.GetTimestamp();
        var epoch = isolating ? 0 : Committed.Begin();
        return (await store.ReadAfterAsync(fromOldest ? 0 : _handledThrough, max, stoppingToken).ConfigureAwait(false), epoch);
    }

    private int MaxAttempts => Math.Max(1, options.Value.MaxHandleAttempts);

    /// <summary>
    /// Deletes, in one delete, the rows of the handled batches the barrier has passed; then, while more than
    /// <paramref name="keepAtMost"/> batches wait, waits for the barrier to pass the oldest and deletes again.
    /// </summary>
    private async Task DeleteHandledAsync(int keepAtMost, CancellationToken cancellationToken)
    {
        while (_undeleted.Count > 0)
        {
            if (_barrier.Passed(_undeleted.Peek().Mark))
            {
                var passed = 0;
                var ids = new List<long>();
                foreach (var (batchIds, mark) in _undeleted)
                {
                    if (!_barrier.Passed(mark)) break;
                    ids.AddRange(batchIds);
                    passed++;
                }
                await store.DeleteAsync(ids, CancellationToken.None).ConfigureAwait(false);
                for (var i = 0; i < passed; i++) _undeleted.Dequeue();
                inbox.Release(ids.Count);
            }
            if (_undeleted.Count <= keepAtMost) return;
            await _barrier.WaitAsync(_undeleted.Peek().Mark, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stopping: deletes the handled rows once the barrier passes them (for up to <see cref="StopWait"/>); the rest are handled again at the next start.</summary>
    private async Task DeleteLastAsync()
    {
        if (_undeleted.Count == 0) return;
        using var timeout = new CancellationTokenSource(StopWait);
        try
        {
            await DeleteHandledAsync(keepAtMost: 0, timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            InboxLog.StoppedUndeleted(logger, _undeleted.Sum(b => b.Ids.Count), e);
        }
    }

    private async Task BuryAsync(long id, string error, int attempts, string reason)
    {
        if (error.Length > MaxStoredError) error = error[..MaxStoredError] + "…";
        _handledThrough = Math.Max(_handledThrough, id); // gone from the inbox either way: not to be taken from memory
        if (await store.MoveToDeadAsync(id, error, attempts, time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false))
        {
            metrics?.Dead(reason);
            inbox.Release(1);
        }
    }

    private static string Describe(Exception e) => $"{e.GetType().FullName}: {e.Message}";

    private TimeSpan Backoff(int failures) =>
        TimeSpan.FromTicks(Math.Min(options.Value.FailureBackoff.Ticks << Math.Min(failures - 1, 6), TimeSpan.FromMinutes(1).Ticks));

    /// <summary>No work behind the drain: every mark is passed.</summary>
    private sealed class PassedAtOnce : IInboxDeleteBarrier
    {
        public static readonly PassedAtOnce Instance = new();
        public long Mark() => 0;
        public bool Passed(long mark) => true;
        public Task WaitAsync(long mark, CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>
    /// The alert at the head of the inbox that keeps failing alone. <see cref="Cleared"/>: a later alert went through
    /// since, so the pipeline works.
    /// </summary>
    private sealed record Suspect(long Id, int Failures, bool Cleared = false);
}
