using System.Diagnostics;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Telemetry;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Delivery;

/// <summary>Records the outcome of one delivery's attempt that did not end delivered; returns retry or dead.</summary>
internal delegate Task<string> RecordOutcome(DeliveryRecord row, int attempt, ConfiguredDestination destination, string endpoint, SendResult result, Activity? activity);

/// <summary>
/// The dispatcher's path for batching destinations (<see cref="ConfiguredDestination.Batching"/>). Per destination one
/// batch fills at a time: it claims up to the batch size of due deliveries, and while it is not full waits at most the
/// linger for more (each dispatch round that finds the destination due wakes it to claim again). Then it is sent in one
/// call; at most <c>MaxConcurrency</c> batches are in flight, each taking one token of <c>RatePerSecond</c>. The
/// sender's per-item outcomes are recorded item by item: what the sink accepted is delivered (in one store write), what
/// it refused is retried or dead like any single delivery, and a batch that failed as a whole is retried as a whole.
/// A crash before the outcome is recorded leaves the rows in sending: the next start resends them under the same ids,
/// which the batching types pass to the sink as its idempotency key.
/// </summary>
internal sealed class BatchDispatch(IOutboxStore store, TimeProvider time, DeliverySignal signal, ILogger logger, DeliveryMetrics? metrics,
    RecordOutcome record, Action<Task> track, CancellationToken sends)
{
    private readonly Dictionary<string, BatchLane> _lanes = new(StringComparer.Ordinal);

    /// <summary>Called by the dispatch loop when <paramref name="destination"/> has due deliveries.</summary>
    public void Offer(ConfiguredDestination destination, BatchDefaults batching)
    {
        if (!_lanes.TryGetValue(destination.Name, out var lane))
            _lanes[destination.Name] = lane = new BatchLane(new TokenBucket(destination.RatePerSecond, time), time);
        if (Volatile.Read(ref lane.Filling) == 1)
        {
            lane.More.Set();
            return;
        }
        if (Volatile.Read(ref lane.InFlight) >= destination.Options.MaxConcurrency) return;
        Volatile.Write(ref lane.Filling, 1);
        track(FillAndSendAsync(lane, destination, batching));
    }

    private async Task FillAndSendAsync(BatchLane lane, ConfiguredDestination destination, BatchDefaults batching)
    {
        await Task.Yield();
        var rows = new List<DeliveryRecord>();
        try
        {
            var deadline = time.GetUtcNow() + batching.Linger;
            while (true)
            {
                rows.AddRange(await store.ClaimDueAsync(destination.Name, time.GetUtcNow(), batching.Size - rows.Count, sends).ConfigureAwait(false));
                var left = deadline - time.GetUtcNow();
                if (rows.Count == 0 || rows.Count >= batching.Size || left <= TimeSpan.Zero) break;
                await lane.More.WaitAsync(left, sends).ConfigureAwait(false);
            }
            Interlocked.Increment(ref lane.InFlight);
        }
        catch (Exception e)
        {
            if (e is not OperationCanceledException) DeliveryLog.LoopFailed(logger, TimeSpan.Zero, e);
            await ReleaseAsync(rows).ConfigureAwait(false);
            return;
        }
        finally
        {
            // The next batch may fill now (a backlog larger than one batch, or rows that came in meanwhile).
            Volatile.Write(ref lane.Filling, 0);
            signal.Set();
        }
        try
        {
            if (rows.Count > 0) await SendAsync(lane, destination, rows).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref lane.InFlight);
            signal.Set();
        }
    }

    private async Task SendAsync(BatchLane lane, ConfiguredDestination destination, List<DeliveryRecord> rows)
    {
        var endpoint = destination.Endpoint is { } uri ? Redaction.Url(uri) : destination.Type.Name;
        try
        {
            await lane.Bucket.WaitAsync(sends).ConfigureAwait(false);
            Activity.Current = null;
            using var activity = FalcoHookTelemetry.ActivitySource.StartActivity(BatchSpanName, ActivityKind.Producer);
            activity?.SetTag("destination", destination.Name);
            activity?.SetTag("destination.type", destination.Type.Name);
            activity?.SetTag("batch.size", rows.Count);
            var started = time.GetTimestamp();
            var results = new SendResult?[rows.Count];
            var attempts = new List<DeliveryAttempt>(rows.Count);
            var positions = new List<int>(rows.Count);
            for (var i = 0; i < rows.Count; i++)
            {
                try
                {
                    attempts.Add(new DeliveryAttempt(rows[i].Id, destination, NotificationJson.Deserialize(rows[i].NotificationJson), rows[i].Attempts + 1));
                    positions.Add(i);
                }
                catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or KeyNotFoundException)
                {
                    results[i] = SendResult.Permanent("stored notification is unreadable: " + e.Message);
                }
            }
            if (attempts.Count > 0)
            {
                IReadOnlyList<SendResult> answers;
                try
                {
                    answers = await ((IBatchSender)destination.Sender).SendBatchAsync(attempts, sends).ConfigureAwait(false);
                    if (answers.Count != attempts.Count)
                        answers = Enumerable.Repeat(SendResult.Retry($"the sender answered {answers.Count} outcomes for {attempts.Count} deliveries"), attempts.Count).ToArray();
                }
                catch (Exception e) when (!sends.IsCancellationRequested)
                {
                    answers = Enumerable.Repeat(HttpOutcome.FromException(e, destination.Options), attempts.Count).ToArray();
                }
                for (var k = 0; k < attempts.Count; k++) results[positions[k]] = answers[k];
            }
            await RecordAsync(destination, endpoint, rows, results, time.GetElapsedTime(started), activity).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (sends.IsCancellationRequested)
        {
            await ReleaseAsync(rows).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            DeliveryLog.RecordFailed(logger, rows[0].Id, e);
            await ReleaseAsync(rows).ConfigureAwait(false);
        }
    }

    private async Task RecordAsync(ConfiguredDestination destination, string endpoint, List<DeliveryRecord> rows, SendResult?[] results,
        TimeSpan duration, Activity? activity)
    {
        var now = time.GetUtcNow();
        var delivered = new List<(string Id, int Attempts)>();
        for (var i = 0; i < rows.Count; i++)
            if (results[i]!.Outcome == SendOutcome.Delivered) delivered.Add((rows[i].Id, rows[i].Attempts + 1));
        await store.MarkDeliveredAsync(delivered, now, CancellationToken.None).ConfigureAwait(false);
        var refused = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            string outcome;
            if (results[i]!.Outcome == SendOutcome.Delivered)
            {
                outcome = "delivered";
                metrics?.Delivered(row.Destination, destination.Type.Name, now - row.Created);
                DeliveryLog.Delivered(logger, row.Id, row.Destination, endpoint, row.Attempts + 1);
            }
            else
            {
                refused++;
                outcome = await record(row, row.Attempts + 1, destination, endpoint, results[i]!, null).ConfigureAwait(false);
            }
            metrics?.Attempted(row.Destination, destination.Type.Name, outcome, duration);
        }
        activity?.SetTag("batch.refused", refused);
        if (refused > 0) activity?.SetStatus(ActivityStatusCode.Error, $"{refused} of {rows.Count} not delivered");
    }

    private async Task ReleaseAsync(List<DeliveryRecord> rows)
    {
        foreach (var row in rows)
        {
            try { await store.ReleaseAsync(row.Id, time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false); }
            catch (Exception) { /* left in sending: reset at the next start */ }
        }
    }

    /// <summary>The name of a batch attempt's span.</summary>
    public const string BatchSpanName = "delivery batch";

    private sealed class BatchLane(TokenBucket bucket, TimeProvider time)
    {
        public readonly TokenBucket Bucket = bucket;
        public readonly AsyncSignal More = new(time);
        public int Filling;
        public int InFlight;
    }
}
