using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.TimeIntervals;

namespace FalcoHook.Core.Pipeline;

/// <summary>
/// The route stage (Alertmanager's <c>RoutingStage</c>/<c>FanoutStage</c>): each notification goes to every
/// enabled destination whose <c>MinimumPriority</c> it reaches and whose optional <c>Condition</c> it matches, unless
/// time intervals mute that destination now (pipeline clock): one of its <c>MuteTimeIntervals</c> covers now, or it has
/// <c>ActiveTimeIntervals</c> and none covers now. Each muted delivery is counted (<c>falcohook.pipeline.muted</c>, by
/// destination) and reported (<see cref="MutedFor"/>). Notifications no destination takes, muted ones aside, are counted
/// (<c>falcohook.pipeline.unrouted</c>); neither is returned.
/// </summary>
public sealed class AlertRouter
{
    private readonly IReadOnlyList<DestinationRoute> _routes;
    private readonly PipelineTelemetry _telemetry;
    private readonly TimeIntervalSet _intervals;
    private readonly TimeProvider _time;
    // The destinations muted for each notification of the last call (the pipeline asks right after it).
    private readonly Dictionary<Notification, List<MutedDelivery>> _muted = new(ReferenceEqualityComparer.Instance);

    public AlertRouter(IReadOnlyDictionary<string, DestinationOptions> destinations, IAlertConditionCompiler compiler, PipelineTelemetry telemetry,
        TimeIntervalSet? intervals = null, TimeProvider? time = null)
    {
        _telemetry = telemetry;
        _intervals = intervals ?? TimeIntervalSet.Empty;
        _time = time ?? TimeProvider.System;
        _routes = destinations
            .Where(d => d.Value.Enabled)
            .OrderBy(d => d.Key, StringComparer.Ordinal)
            .Select(d => new DestinationRoute(d.Key, d.Value.MinimumPriority,
                string.IsNullOrWhiteSpace(d.Value.Condition)
                    ? null
                    : compiler.Compile(d.Value.Condition).GetPredicateOrThrow($"FalcoHook:Destinations:{d.Key}:Condition"),
                [.. d.Value.MuteTimeIntervals], [.. d.Value.ActiveTimeIntervals]))
            .ToList();
    }

    public string Name => "route";

    public IReadOnlyList<RoutedNotification> Route(IReadOnlyList<Notification> batch)
    {
        using var activity = PipelineTelemetry.StartStage(Name, batch.Count);
        _muted.Clear();
        var now = _time.GetUtcNow();
        var routed = new List<RoutedNotification>(batch.Count);
        foreach (var notification in batch)
        {
            List<string>? names = null;
            foreach (var route in _routes)
            {
                if (!route.Takes(notification.Alert)) continue;
                if (MutedBy(route, now) is { } intervals)
                {
                    _telemetry.Muted.Add(1, new KeyValuePair<string, object?>("destination", route.Destination));
                    if (!_muted.TryGetValue(notification, out var muted)) _muted[notification] = muted = [];
                    muted.Add(new MutedDelivery(route.Destination, intervals));
                    continue;
                }
                (names ??= []).Add(route.Destination);
            }
            if (names is not null) routed.Add(new RoutedNotification(notification, names));
            else if (!_muted.ContainsKey(notification)) _telemetry.Unrouted.Add(1);
        }
        activity?.SetTag("falcohook.pipeline.routed", routed.Count);
        return routed;
    }

    /// <summary>The deliveries the last <see cref="Route"/> did not make because time intervals muted them (empty when none).</summary>
    public IReadOnlyList<MutedDelivery> MutedFor(Notification notification) => _muted.GetValueOrDefault(notification) ?? [];

    /// <summary>The intervals that mute <paramref name="route"/> at <paramref name="now"/>, or null when it is not muted.</summary>
    private IReadOnlyList<string>? MutedBy(DestinationRoute route, DateTimeOffset now)
    {
        var muting = route.Mute.Where(name => _intervals.Covers(name, now)).ToList();
        if (muting.Count > 0) return muting;
        if (route.Active.Count > 0 && !route.Active.Any(name => _intervals.Covers(name, now))) return route.Active;
        return null;
    }

    private sealed record DestinationRoute(string Destination, Priority MinimumPriority, Func<FalcoAlert, bool>? Condition,
        IReadOnlyList<string> Mute, IReadOnlyList<string> Active)
    {
        public bool Takes(FalcoAlert alert) => alert.Priority >= MinimumPriority && (Condition?.Invoke(alert) ?? true);
    }
}

/// <summary>
/// A delivery a time interval muted: the destination, and the intervals that muted it (the mute intervals covering now,
/// or the destination's active intervals when none of them covers now).
/// </summary>
public sealed record MutedDelivery(string Destination, IReadOnlyList<string> Intervals)
{
    public override string ToString() => $"{Destination} ({string.Join(", ", Intervals)})";
}
