using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace FalcoHook.Core.Delivery;

/// <summary>
/// Instruments of the outbox and the dispatcher on the service's one Meter, <c>FalcoHook</c> (IMeterFactory
/// hands every caller the same Meter for the same name).
/// </summary>
public sealed class DeliveryMetrics
{
    public const string MeterName = "FalcoHook";

    private readonly Meter _meter;
    private readonly Counter<long> _attempts;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _latency;
    private long _outboxPending, _outboxSending, _outboxDead;

    public DeliveryMetrics(IMeterFactory factory)
    {
        _meter = factory.Create(MeterName);
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
    }

    public void Attempted(string destination, string type, string outcome, TimeSpan duration)
    {
        var tags = new TagList { { "destination", destination }, { "type", type }, { "outcome", outcome } };
        _attempts.Add(1, tags);
        _duration.Record(duration.TotalSeconds, new TagList { { "destination", destination }, { "type", type } });
    }

    /// <summary>A delivery succeeded <paramref name="latency"/> after it was created.</summary>
    public void Delivered(string destination, string type, TimeSpan latency) =>
        _latency.Record(Math.Max(0, latency.TotalSeconds), new TagList { { "destination", destination }, { "type", type } });

    /// <summary>The outbox's rows by state, as last read from storage.</summary>
    public void ObserveStorage(long pending, long sending, long dead)
    {
        Interlocked.Exchange(ref _outboxPending, pending);
        Interlocked.Exchange(ref _outboxSending, sending);
        Interlocked.Exchange(ref _outboxDead, dead);
    }
}
