namespace FalcoHook.Core.Pipeline;

/// <summary>
/// The decisions of one batch, built by <see cref="AlertPipeline"/> while it runs the stages: every inbox alert a stage
/// did not return was held by that stage (<see cref="IExplainingStage"/> says why), every notification that reached the
/// router was routed or unrouted.
/// </summary>
internal sealed class DecisionTrail
{
    private readonly Dictionary<long, (Notification Notification, List<PipelineDecision> Decisions)> _alerts = [];
    private readonly List<AlertDecisions> _summaries = [];

    public void Start(IReadOnlyList<Notification> batch)
    {
        foreach (var notification in batch)
            if (notification.Origin is { } origin) _alerts[origin.InboxId] = (notification, []);
    }

    /// <summary>After <paramref name="stage"/> turned <paramref name="input"/> into <paramref name="output"/>.</summary>
    public void Held(IPipelineStage stage, IReadOnlyList<Notification> input, IReadOnlyList<Notification> output)
    {
        if (input.Count == 0) return;
        var passed = new HashSet<long>();
        foreach (var notification in output)
            if (notification.Origin is { } origin) passed.Add(origin.InboxId);
        foreach (var notification in input)
        {
            if (notification.Origin is not { } origin || passed.Contains(origin.InboxId)) continue;
            var decision = stage is IExplainingStage explaining ? explaining.Explain(notification) : new PipelineDecision(stage.Name, DecisionKind.Dropped);
            if (_alerts.TryGetValue(origin.InboxId, out var entry)) _alerts[origin.InboxId] = (notification, [.. entry.Decisions, decision]);
        }
    }

    /// <summary>What the router made of the notifications that passed every stage.</summary>
    public void Routed(IReadOnlyList<Notification> passed, IReadOnlyList<Delivery.RoutedNotification> routed)
    {
        var destinations = new Dictionary<Notification, IReadOnlyList<string>>(ReferenceEqualityComparer.Instance);
        foreach (var item in routed) destinations[item.Notification] = item.Destinations;
        foreach (var notification in passed)
        {
            var decision = destinations.TryGetValue(notification, out var names)
                ? new PipelineDecision("route", DecisionKind.Routed) { Destinations = names }
                : new PipelineDecision("route", DecisionKind.Unrouted);
            if (notification.Origin is { } origin && _alerts.TryGetValue(origin.InboxId, out var entry))
                _alerts[origin.InboxId] = (notification, [.. entry.Decisions, decision]);
            else if (notification.Origin is null)
                _summaries.Add(new AlertDecisions(notification, [decision]));
        }
    }

    public IReadOnlyList<AlertDecisions> Result() =>
        [.. _alerts.Values.Select(entry => new AlertDecisions(entry.Notification, entry.Decisions)), .. _summaries];
}
