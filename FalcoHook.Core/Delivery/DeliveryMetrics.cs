using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FalcoHook.Core.Delivery;

/// <summary>
/// Instruments of the inbox and the dispatcher on the service's one Meter, <c>FalcoHook</c> (IMeterFactory
/// hands every caller the same Meter for the same name).
/// </summary>
public sealed class DeliveryMetrics
{
    public const string MeterName = "FalcoHook";

    private readonly Meter _meter;
    private readonly Counter<long> _commits;
    private readonly Counter<long> _appended;
    private readonly Counter<long> _dead;
    private readonly Counter<long> _attempts;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _latency;
    private long _outboxPending, _outboxSending, _outboxDead;
    private double _inboxLag;

    public DeliveryMetrics(IMeterFactory factory)
    {
        _meter = factory.Create(MeterName);
        _commits = _meter.CreateCounter<long>("falcohook.inbox.commits", "{commit}", "Transactions of the durable inbox (one per group commit)");
        _appended = _meter.CreateCounter<long>("falcohook.inbox.appended", "{alert}", "Alerts durably accepted by the inbox");
        _dead = _meter.CreateCounter<long>("falcohook.inbox.dead", "{alert}", "Inbox rows set aside in inbox_dead, by reason (unreadable, failing)");
        _attempts = _meter.CreateCounter<long>("falcohook.delivery.attempts", "{attempt}", "Delivery attempts by destination and outcome (delivered, retry, dead)");
        _duration = _meter.CreateHistogram<double>("falcohook.delivery.duration", "s", "Time of one delivery attempt");
        _latency = _meter.CreateHistogram<double>("falcohook.delivery.latency", "s",
            "From the delivery's creation (the alert leaving the pipeline) to its successful send, retries included");
        _meter.CreateObservableUpDownCounter("falcohook.outbox.depth", () => new[]
        {
            new Measurement<long>(Interlocked.Read(ref _outboxPending), new KeyValuePair<string, object?>("state", "pending")),
            new Measurement<long>(Interlocked.Read(ref _outboxSending), new KeyValuePair<string, object?>("state", "sending")),
            new Measurement<long>(Interlocked.Read(ref _outboxDead), new KeyValuePair<string, object?>("state", "dead")),
        }, "{delivery}", "Deliveries in the outbox by state (refreshed every few seconds)");
        _meter.CreateObservableGauge("falcohook.inbox.lag", () => Volatile.Read(ref _inboxLag), "s",
            "Age of the oldest accepted alert the pipeline has not processed yet (0 when the inbox is empty)");
    }

    public void Committed(int alerts)
    {
        _commits.Add(1);
        _appended.Add(alerts);
    }

    /// <summary>An inbox row went to <c>inbox_dead</c>: <c>unreadable</c> (no longer parses) or <c>failing</c> (the pipeline keeps failing it).</summary>
    public void InboxDead(string reason) => _dead.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Attempted(string destination, string type, string outcome, TimeSpan duration)
    {
        var tags = new TagList { { "destination", destination }, { "type", type }, { "outcome", outcome } };
        _attempts.Add(1, tags);
        _duration.Record(duration.TotalSeconds, new TagList { { "destination", destination }, { "type", type } });
    }

    /// <summary>A delivery succeeded <paramref name="latency"/> after it was created.</summary>
    public void Delivered(string destination, string type, TimeSpan latency) =>
        _latency.Record(Math.Max(0, latency.TotalSeconds), new TagList { { "destination", destination }, { "type", type } });

    /// <summary>The outbox's rows by state and the inbox's oldest row, as last read from storage.</summary>
    public void ObserveStorage(long pending, long sending, long dead, TimeSpan inboxLag)
    {
        Interlocked.Exchange(ref _outboxPending, pending);
        Interlocked.Exchange(ref _outboxSending, sending);
        Interlocked.Exchange(ref _outboxDead, dead);
        Volatile.Write(ref _inboxLag, Math.Max(0, inboxLag.TotalSeconds));
    }

    /// <summary>Publishes the inbox's unprocessed count as <c>falcohook.inbox.pending</c>.</summary>
    public void ObserveInboxPending(Func<long> pending) =>
        _meter.CreateObservableUpDownCounter("falcohook.inbox.pending", pending, "{alert}", "Alerts accepted but not yet processed");
}
