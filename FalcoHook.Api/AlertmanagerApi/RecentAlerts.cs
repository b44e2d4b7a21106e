using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.AlertmanagerApi;

/// <summary>One alert as <c>/api/v2/alerts</c> shows it: the latest alert of a fingerprint and what the pipeline decided for it.</summary>
public sealed record RecentAlert
{
    public required string Fingerprint { get; init; }
    public required FalcoAlert Alert { get; init; }
    public required IReadOnlyDictionary<string, string> Labels { get; init; }
    public required DateTimeOffset StartsAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }
    public IReadOnlyList<string> Receivers { get; init; } = [];
    public IReadOnlyList<string> SilencedBy { get; init; } = [];
    public IReadOnlyList<string> InhibitedBy { get; init; } = [];
    public IReadOnlyList<string> MutedBy { get; init; } = [];

    /// <summary>Silenced, inhibited, or muted at every destination that took it.</summary>
    public bool Suppressed => SilencedBy.Count > 0 || InhibitedBy.Count > 0 || (MutedBy.Count > 0 && Receivers.Count == 0);
}

/// <summary>
/// The alerts of the last <see cref="RecentAlertsOptions.ActiveFor"/>, one per fingerprint, as the pipeline decided them
/// (an <see cref="IAlertDecisionSink"/>): routed (with the destinations as receivers), silenced (by which silence),
/// inhibited (by which source alert), muted, deduplicated or held for a storm summary. Alerts the filter dropped and storm
/// summaries are not shown. Bounded by <see cref="RecentAlertsOptions.MaxAlerts"/>. Kept in memory;
/// <see cref="RecentAlertsRestore"/> refills it at start-up from the outbox (the routed alerts only). Used only when the
/// alert history is off (<c>FalcoHook:Events:Enabled=false</c>); otherwise <see cref="AlertHistoryAlerts"/> reads the history.
/// </summary>
public sealed class RecentAlerts(TimeProvider time, IOptions<RecentAlertsOptions> options) : IAlertDecisionSink
{
    private readonly Dictionary<string, RecentAlert> _alerts = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public TimeSpan ActiveFor => options.Value.ActiveFor;

    public Task RecordAsync(IReadOnlyList<AlertDecisions> decisions, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        lock (_lock)
        {
            foreach (var item in decisions)
            {
                var notification = item.Notification;
                if (notification.Digest is not null || item.Decisions.Count == 0) continue; // a storm summary
                var last = item.Decisions[^1];
                if (last.Kind == DecisionKind.Dropped) continue;
                var seen = notification.Origin?.Received ?? now;
                _alerts.TryGetValue(notification.Fingerprint, out var known);
                var alert = new RecentAlert
                {
                    Fingerprint = notification.Fingerprint,
                    Alert = notification.Alert,
                    Labels = AlertLabels.From(notification.Alert),
                    StartsAt = known?.StartsAt ?? seen,
                    UpdatedAt = known is null || seen > known.UpdatedAt ? seen : known.UpdatedAt,
                };
                _alerts[notification.Fingerprint] = Decided(alert, last, known);
            }
            Trim(now);
        }
        return Task.CompletedTask;
    }

    /// <summary>An alert read back at start-up: routed to <paramref name="receiver"/> at <paramref name="seen"/>.</summary>
    public void Restore(Notification notification, string receiver, DateTimeOffset seen)
    {
        lock (_lock)
        {
            if (_alerts.TryGetValue(notification.Fingerprint, out var known))
            {
                _alerts[notification.Fingerprint] = known with
                {
                    Receivers = known.Receivers.Contains(receiver) ? known.Receivers : [.. known.Receivers, receiver],
                    StartsAt = seen < known.StartsAt ? seen : known.StartsAt,
                    UpdatedAt = seen > known.UpdatedAt ? seen : known.UpdatedAt,
                };
                return;
            }
            if (_alerts.Count >= options.Value.MaxAlerts) return;
            _alerts[notification.Fingerprint] = new RecentAlert
            {
                Fingerprint = notification.Fingerprint,
                Alert = notification.Alert,
                Labels = AlertLabels.From(notification.Alert),
                StartsAt = seen,
                UpdatedAt = seen,
                Receivers = [receiver],
            };
        }
    }

    /// <summary>The alerts last seen within <see cref="ActiveFor"/>, most recently seen first.</summary>
    public IReadOnlyList<RecentAlert> Current()
    {
        var since = time.GetUtcNow() - options.Value.ActiveFor;
        lock (_lock)
            return _alerts.Values.Where(a => a.UpdatedAt > since).OrderByDescending(a => a.UpdatedAt).ThenBy(a => a.Fingerprint, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// <paramref name="alert"/> with what its last decision says: the receivers and muting intervals of a routed one, the
    /// silence or the inhibiting alert of a held one; a repeat (or a member of a storm window) keeps what was decided for
    /// the alert it repeats (<paramref name="known"/>).
    /// </summary>
    public static RecentAlert Decided(RecentAlert alert, PipelineDecision last, RecentAlert? known) => last.Kind switch
    {
        DecisionKind.Routed or DecisionKind.Unrouted => alert with
        {
            Receivers = last.Destinations,
            MutedBy = [.. last.Muted.SelectMany(m => m.Intervals).Distinct(StringComparer.Ordinal)],
        },
        DecisionKind.Silenced => alert with { SilencedBy = Ids(last.Detail) },
        DecisionKind.Inhibited => alert with { InhibitedBy = Ids(last.Detail) },
        _ => known is null ? alert : alert with
        {
            Receivers = known.Receivers, SilencedBy = known.SilencedBy, InhibitedBy = known.InhibitedBy, MutedBy = known.MutedBy,
        },
    };

    private static IReadOnlyList<string> Ids(string? detail) => string.IsNullOrEmpty(detail) ? [] : [detail];

    /// <summary>Forgets what is past <see cref="ActiveFor"/>; past <see cref="RecentAlertsOptions.MaxAlerts"/>, the least recently seen.</summary>
    private void Trim(DateTimeOffset now)
    {
        var max = options.Value.MaxAlerts;
        if (_alerts.Count <= max) return;
        var since = now - options.Value.ActiveFor;
        foreach (var (key, alert) in _alerts.ToList())
            if (alert.UpdatedAt <= since) _alerts.Remove(key);
        if (_alerts.Count <= max) return;
        // Down to 90 % of the bound, so a storm does not pay for a sort on every batch.
        foreach (var alert in _alerts.Values.OrderBy(a => a.UpdatedAt).Take(_alerts.Count - max * 9 / 10).ToList())
            _alerts.Remove(alert.Fingerprint);
    }
}
