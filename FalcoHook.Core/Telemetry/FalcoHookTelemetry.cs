using System.Diagnostics;
using System.Diagnostics.Metrics;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Telemetry;

/// <summary>
/// The service's one <see cref="ActivitySource"/> and one <see cref="Meter"/>, both named <c>FalcoHook</c>.
/// Instruments are named <c>falcohook.&lt;noun&gt;.&lt;verb&gt;</c>.
/// </summary>
public sealed class FalcoHookTelemetry
{
    public const string Name = "FalcoHook";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Counter<long> _alertsReceived;
    private readonly Counter<long> _requestsRejected;
    private readonly Counter<long> _ruleEvaluations;
    private readonly Counter<long> _ruleMatches;

    public FalcoHookTelemetry(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(Name);
        _alertsReceived = Meter.CreateCounter<long>("falcohook.alerts.received", "{alert}",
            "Alerts accepted at ingest, by source and priority.");
        _requestsRejected = Meter.CreateCounter<long>("falcohook.requests.rejected", "{request}",
            "Ingest requests refused, by reason.");
        _ruleEvaluations = Meter.CreateCounter<long>("falcohook.rules.evaluations", "{event}",
            "Events evaluated against the running rules, by source.");
        _ruleMatches = Meter.CreateCounter<long>("falcohook.rules.matches", "{alert}",
            "Rule matches (alerts raised by FalcoHook's own rules), by rule and source.");
    }

    public Meter Meter { get; }

    public void AlertsReceived(IReadOnlyList<FalcoAlert> alerts)
    {
        foreach (var alert in alerts)
            _alertsReceived.Add(1,
                new KeyValuePair<string, object?>("source", alert.Source ?? "unknown"),
                new KeyValuePair<string, object?>("priority", alert.Priority.ToFalcoString()));
    }

    public void RulesEvaluated(string source, int events) =>
        _ruleEvaluations.Add(events, new KeyValuePair<string, object?>("source", source));

    public void RuleMatched(string rule, string source) =>
        _ruleMatches.Add(1, new KeyValuePair<string, object?>("rule", rule), new KeyValuePair<string, object?>("source", source));

    public void RequestRejected(string endpoint, string reason) =>
        _requestsRejected.Add(1,
            new KeyValuePair<string, object?>("endpoint", endpoint),
            new KeyValuePair<string, object?>("reason", reason));
}
