using System.Diagnostics.Metrics;
using FalcoHook.Core.Telemetry;

namespace FalcoHook.Core.Ingest;

/// <summary>The inbox's instruments, <c>falcohook.inbox.*</c>, on the service's one Meter.</summary>
public sealed class InboxMetrics
{
    private readonly Meter _meter;
    private readonly Counter<long> _commits;
    private readonly Counter<long> _appended;
    private readonly Counter<long> _dead;
    private double _lag;

    public InboxMetrics(IMeterFactory factory)
    {
        _meter = factory.Create(FalcoHookTelemetry.Name);
        _commits = _meter.CreateCounter<long>("falcohook.inbox.commits", "{commit}", "Transactions of the durable inbox (one per group commit)");
        _appended = _meter.CreateCounter<long>("falcohook.inbox.appended", "{alert}", "Alerts durably accepted by the inbox");
        _dead = _meter.CreateCounter<long>("falcohook.inbox.dead", "{alert}", "Inbox rows set aside in inbox_dead, by reason (unreadable, failing)");
        _meter.CreateObservableGauge("falcohook.inbox.lag", () => Volatile.Read(ref _lag), "s",
            "Age of the oldest accepted alert the pipeline has not processed yet (0 when the inbox is empty)");
    }

    public void Committed(int alerts)
    {
        _commits.Add(1);
        _appended.Add(alerts);
    }

    /// <summary>An inbox row went to <c>inbox_dead</c>: <c>unreadable</c> (no longer parses) or <c>failing</c> (the pipeline keeps failing it).</summary>
    public void Dead(string reason) => _dead.Add(1, new KeyValuePair<string, object?>("reason", reason));

    /// <summary>The age of the inbox's oldest row, as last read from storage.</summary>
    public void ObserveLag(TimeSpan lag) => Volatile.Write(ref _lag, Math.Max(0, lag.TotalSeconds));

    /// <summary>Publishes the inbox's unprocessed count as <c>falcohook.inbox.pending</c>.</summary>
    public void ObservePending(Func<long> pending) =>
        _meter.CreateObservableUpDownCounter("falcohook.inbox.pending", pending, "{alert}", "Alerts accepted but not yet processed");
}
