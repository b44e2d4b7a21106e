using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;

namespace FalcoHook.Core.Pipeline;

/// <summary>
/// The route stage (Alertmanager's <c>RoutingStage</c>/<c>FanoutStage</c>): each notification goes to every
/// enabled destination whose <c>MinimumPriority</c> it reaches and whose optional <c>Condition</c> it matches.
/// Notifications no destination takes are counted (<c>falcohook.pipeline.unrouted</c>), not returned.
/// </summary>
public sealed class AlertRouter
{
    private readonly IReadOnlyList<DestinationRoute> _routes;
    private readonly PipelineTelemetry _telemetry;

    public AlertRouter(IReadOnlyDictionary<string, DestinationOptions> destinations, IAlertConditionCompiler compiler, PipelineTelemetry telemetry)
    {
        _telemetry = telemetry;
        _routes = destinations
            .Where(d => d.Value.Enabled)
            .OrderBy(d => d.Key, StringComparer.Ordinal)
            .Select(d => new DestinationRoute(d.Key, d.Value.MinimumPriority,
                string.IsNullOrWhiteSpace(d.Value.Condition)
                    ? null
                    : compiler.Compile(d.Value.Condition).GetPredicateOrThrow($"FalcoHook:Destinations:{d.Key}:Condition")))
            .ToList();
    }

    public string Name => "route";

    public IReadOnlyList<RoutedNotification> Route(IReadOnlyList<Notification> batch)
    {
        using var activity = PipelineTelemetry.StartStage(Name, batch.Count);
        var routed = new List<RoutedNotification>(batch.Count);
        foreach (var notification in batch)
        {
            List<string>? names = null;
            foreach (var route in _routes)
                if (route.Takes(notification.Alert)) (names ??= []).Add(route.Destination);
            if (names is null) _telemetry.Unrouted.Add(1);
            else routed.Add(new RoutedNotification(notification, names));
        }
        activity?.SetTag("falcohook.pipeline.routed", routed.Count);
        return routed;
    }

    private sealed record DestinationRoute(string Destination, Priority MinimumPriority, Func<FalcoAlert, bool>? Condition)
    {
        public bool Takes(FalcoAlert alert) => alert.Priority >= MinimumPriority && (Condition?.Invoke(alert) ?? true);
    }
}
