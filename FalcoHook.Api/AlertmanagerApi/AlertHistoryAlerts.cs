using FalcoHook.Core.Alerts;
using FalcoHook.Core.Events;
using FalcoHook.Core.Pipeline;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.AlertmanagerApi;

/// <summary>
/// The alerts <c>/api/v2/alerts</c> shows, read from the alert history (<see cref="IEventStore"/>), so what was decided
/// for them — routed to which destinations, silenced by which silence, inhibited by which alert, muted by which
/// intervals — survives restarts. An alert is shown when its time (Falco's) and its receipt are both within
/// <see cref="RecentAlertsOptions.ActiveFor"/>; one entry per fingerprint, the latest alert's labels, what was decided for
/// the latest alert that was not a repeat (a repeat or a member of a storm window keeps the decision of the alert it
/// repeats, looked up in the history when that one is older than the window). Alerts the filter dropped and storm
/// summaries are not shown; at most <see cref="RecentAlertsOptions.MaxAlerts"/> fingerprints, the most recently seen.
/// With the history off (<c>FalcoHook:Events:Enabled=false</c>) the answer is <see cref="RecentAlerts"/>' in-memory view.
/// </summary>
public sealed class AlertHistoryAlerts(IServiceProvider services, IOptions<EventsOptions> events, IOptions<RecentAlertsOptions> options,
    TimeProvider time)
{
    /// <summary>Events read at most for one answer (a storm of repeats beyond this shows its newest ones only).</summary>
    public const int MaxEventsRead = 100_000;

    public TimeSpan ActiveFor => options.Value.ActiveFor;

    /// <summary>The alerts of the last <see cref="ActiveFor"/>, most recently seen first.</summary>
    public async Task<IReadOnlyList<RecentAlert>> CurrentAsync(CancellationToken cancellationToken)
    {
        if (!events.Value.Enabled) return services.GetRequiredService<RecentAlerts>().Current();
        var store = services.GetRequiredService<IEventStore>();
        var since = time.GetUtcNow() - options.Value.ActiveFor;
        var seen = await ScanAsync(store, since, cancellationToken);
        var alerts = new List<RecentAlert>(seen.Count);
        foreach (var fingerprint in seen.Values.OrderByDescending(f => f.Last).ThenBy(f => f.Newest.Fingerprint, StringComparer.Ordinal))
        {
            if (await ReadAsync(store, fingerprint, cancellationToken) is { } alert) alerts.Add(alert);
        }
        return alerts;
    }

    /// <summary>The window's alert events by fingerprint, newest first, until <see cref="RecentAlertsOptions.MaxAlerts"/> fingerprints.</summary>
    private async Task<Dictionary<string, Fingerprint>> ScanAsync(IEventStore store, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var seen = new Dictionary<string, Fingerprint>(StringComparer.Ordinal);
        var query = new EventQuery { Since = since, Kind = EventKind.Alert };
        string? cursor = null;
        var read = 0;
        do
        {
            var page = await store.QueryAsync(query, cursor, EventStore.MaxPageSize, cancellationToken);
            foreach (var e in page.Items)
            {
                if (e.Received <= since || e.Outcome == DecisionKind.Dropped) continue;
                if (seen.TryGetValue(e.Fingerprint, out var known))
                {
                    known.First = e.Received < known.First ? e.Received : known.First;
                    known.Last = e.Received > known.Last ? e.Received : known.Last;
                    if (known.Deciding is null && Decides(e.Outcome)) known.Deciding = e;
                    continue;
                }
                if (seen.Count >= options.Value.MaxAlerts) continue;
                seen[e.Fingerprint] = new Fingerprint(e) { Deciding = Decides(e.Outcome) ? e : null };
            }
            read += page.Items.Count;
            cursor = page.Next;
        } while (cursor is not null && read < MaxEventsRead);
        return seen;
    }

    private static async Task<RecentAlert?> ReadAsync(IEventStore store, Fingerprint fingerprint, CancellationToken cancellationToken)
    {
        var id = (fingerprint.Deciding ?? fingerprint.Newest).Id;
        if (await store.GetAsync(id, cancellationToken) is not { } found) return null; // pruned meanwhile
        var detail = found.Detail;
        RecentAlert? original = null;
        if (fingerprint.Deciding is null && detail.RepeatOf is { } repeatOf && await store.GetAsync(repeatOf, cancellationToken) is { } first)
            original = Decide(first.Detail, fingerprint, null);
        return Decide(detail, fingerprint, original);
    }

    private static RecentAlert? Decide(EventDetail detail, Fingerprint fingerprint, RecentAlert? original)
    {
        if (detail.Decisions.Count == 0) return null;
        var alert = new RecentAlert
        {
            Fingerprint = fingerprint.Newest.Fingerprint,
            Alert = detail.Notification.Alert,
            Labels = AlertLabels.From(detail.Notification.Alert),
            StartsAt = fingerprint.First,
            UpdatedAt = fingerprint.Last,
        };
        return RecentAlerts.Decided(alert, detail.Decisions[^1], original);
    }

    /// <summary>A decision of its own, not one inherited from the alert it repeats.</summary>
    private static bool Decides(DecisionKind outcome) =>
        outcome is DecisionKind.Routed or DecisionKind.Unrouted or DecisionKind.Silenced or DecisionKind.Inhibited;

    private sealed class Fingerprint(StoredEvent newest)
    {
        public StoredEvent Newest { get; } = newest;
        public StoredEvent? Deciding { get; set; }
        public DateTimeOffset First { get; set; } = newest.Received;
        public DateTimeOffset Last { get; set; } = newest.Received;
    }
}
