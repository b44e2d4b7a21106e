using FalcoHook.Core.Alerts;
using FalcoHook.Core.Fields.K8sAudit;
using FalcoHook.Core.Rules;
using FalcoHook.Core.Rules.Engine;
using FalcoHook.Core.Telemetry;

namespace FalcoHook.Core.K8sAudit;

/// <summary>Runs audit events through the running rules of source <c>k8s_audit</c> and turns matches into alerts.</summary>
public sealed class AuditEvaluator(RuleSetHolder rules, FalcoHookTelemetry? telemetry = null)
{
    private const string Source = K8sAuditFieldProvider.SourceName;

    /// <summary>The alerts the events raise, in event order; rule outputs are rendered now, while the events live.</summary>
    /// <remarks><paramref name="cancellationToken"/> (the request's) stops the work between events.</remarks>
    public List<FalcoAlert> Evaluate(IReadOnlyList<AuditEvent> events, string? hostname, CancellationToken cancellationToken = default)
    {
        using var activity = FalcoHookTelemetry.ActivitySource.StartActivity("rules evaluate");
        activity?.SetTag("falco.source", Source);
        activity?.SetTag("falcohook.rules.events", events.Count);
        var set = rules.Current;
        var matching = rules.Matching;
        var alerts = new List<FalcoAlert>();
        var matches = new List<CompiledRule>();
        foreach (var evt in events)
        {
            cancellationToken.ThrowIfCancellationRequested();
            matches.Clear();
            set.Evaluate(Source, evt, matching, matches);
            foreach (var rule in matches)
            {
                alerts.Add(rule.CreateAlert(evt, hostname));
                telemetry?.RuleMatched(rule.Name, Source);
            }
        }
        telemetry?.RulesEvaluated(Source, events.Count);
        if (activity is not null)
        {
            activity.SetTag("falcohook.rules.matches", alerts.Count);
            if (alerts.Count == 1)
            {
                activity.SetTag("falco.rule", alerts[0].Rule);
                activity.SetTag("falco.priority", alerts[0].Priority.ToFalcoString());
            }
        }
        return alerts;
    }
}
