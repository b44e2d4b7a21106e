using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Telemetry;

namespace FalcoHook.Core.Delivery;

/// <summary>
/// The durable <see cref="IOutbox"/>: each (notification, destination) pair becomes a pending delivery whose id is
/// stable across retries (the <c>webhook-id</c>). For a notification of an alert from the inbox the id is derived
/// from its inbox row (<see cref="IdFor"/>), so when a crash comes after this write but before the inbox forgets the
/// row, the batch handled again after the restart yields the same ids and the store ignores them: no second
/// delivery. A storm summary's id derives from its group and window (<see cref="IdForSummary"/>), so a crash
/// between this write and the pipeline forgetting the window (its state is durable) does not send two summaries.
/// (<see cref="RoutedNotification"/> admits no third kind.)
/// Each row keeps the traceparent its delivery attempts continue. The rows the dispatcher takes at once
/// (<see cref="DeliveryHandoff"/>) are written already claimed and handed to it in memory; the rest are written
/// pending and the dispatcher is woken to claim them. Returns once the rows are committed.
/// </summary>
public sealed class DurableOutbox(IOutboxStore store, DeliverySignal signal, TimeProvider time, DeliveryHandoff? handoff = null) : IOutbox
{
    public async Task EnqueueAsync(IReadOnlyList<RoutedNotification> notifications, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var rows = new List<NewDelivery>();
        var occurrences = new Dictionary<(long, string), int>();
        foreach (var routed in notifications)
        {
            if (routed.Destinations.Count == 0) continue;
            var notification = routed.Notification;
            var json = NotificationJson.Serialize(notification);
            var origin = notification.Digest is null ? notification.Origin : null;
            var trace = TraceFor(origin);
            foreach (var destination in routed.Destinations.Distinct(StringComparer.Ordinal))
            {
                string id;
                if (origin is null) id = IdForSummary(notification, destination);
                else
                {
                    // Should one alert ever give several notifications to one destination, each keeps its own id.
                    var key = (origin.InboxId, destination);
                    var occurrence = occurrences.GetValueOrDefault(key);
                    occurrences[key] = occurrence + 1;
                    id = IdFor(origin, destination, occurrence);
                }
                rows.Add(new NewDelivery(id, destination, json, trace));
            }
        }
        if (rows.Count == 0) return;
        if (handoff is null)
        {
            await store.AddAsync(rows, now, cancellationToken).ConfigureAwait(false);
            signal.Set();
            return;
        }
        await AddHandingOffAsync(handoff, rows, now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the first rows of each destination that its lane takes claimed, the rest pending, then hands the claimed
    /// rows the write inserted to the lanes (a row stored already, from a batch handled before a crash, is not sent again
    /// here) and wakes the dispatcher only if some went pending.
    /// </summary>
    private async Task AddHandingOffAsync(DeliveryHandoff handoff, List<NewDelivery> rows, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var pending = new List<NewDelivery>();
        var claimed = new List<NewDelivery>();
        var reserved = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var group in rows.GroupBy(r => r.Destination, StringComparer.Ordinal))
        {
            var all = group.ToList();
            var taken = handoff.Reserve(group.Key, all.Count);
            if (taken > 0) reserved[group.Key] = taken;
            claimed.AddRange(all.Take(taken));
            pending.AddRange(all.Skip(taken));
        }
        IReadOnlyList<DeliveryRecord> inserted = [];
        try
        {
            inserted = await store.AddClaimingAsync(pending, claimed, now, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var (destination, taken) in reserved)
                handoff.Complete(destination, taken, [.. inserted.Where(r => r.Destination == destination)]);
        }
        if (pending.Count > 0) signal.Set();
    }

    /// <summary>
    /// The span the deliveries continue: the current one (the pipeline's) when it is in the alert's trace, which is
    /// the case for a batch from one request; otherwise the ingest request's own, so the alert's trace still reaches
    /// its delivery (the pipeline span links to every request of a mixed batch).
    /// </summary>
    private static string? TraceFor(AlertOrigin? origin)
    {
        var current = Activity.Current;
        if (origin is null || origin.Trace == default) return TraceParent.Current();
        return current is { IdFormat: ActivityIdFormat.W3C } && current.TraceId == origin.Trace.TraceId
            ? current.Id
            : TraceParent.Format(origin.Trace);
    }

    /// <summary>
    /// The delivery id of an inbox alert's notification to a destination: UUIDv7-shaped (the 48-bit timestamp is the
    /// row's receipt, so ids still sort by time), the other bits from SHA-256 of (inbox row, receipt, destination,
    /// occurrence). Same inputs, same id, in any process.
    /// </summary>
    public static string IdFor(AlertOrigin origin, string destination, int occurrence)
    {
        var received = origin.Received.ToUnixTimeMilliseconds();
        return StableId(received, $"inbox\n{origin.InboxId}\n{received}\n{destination}\n{occurrence}");
    }

    /// <summary>
    /// The delivery id of a storm summary to a destination: from the summary's fingerprint (its group key and window
    /// start) and the destination; the timestamp is the window's end (the summary's time).
    /// </summary>
    public static string IdForSummary(Notification summary, string destination) =>
        StableId(summary.Alert.Time.ToDateTimeOffset().ToUnixTimeMilliseconds(), $"summary\n{summary.Fingerprint}\n{destination}");

    private static string StableId(long received, string identity)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(identity), hash);
        Span<byte> id = stackalloc byte[16];
        hash[..16].CopyTo(id);
        Span<byte> stamp = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(stamp, received);
        stamp[2..].CopyTo(id);                       // bytes 0-5: Unix milliseconds, big-endian
        id[6] = (byte)(0x70 | (id[6] & 0x0F));      // version 7
        id[8] = (byte)(0x80 | (id[8] & 0x3F));      // variant 10
        return "msg_" + Convert.ToHexStringLower(id);
    }
}
