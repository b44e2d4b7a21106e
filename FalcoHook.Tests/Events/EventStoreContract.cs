using FalcoHook.Core.Alerts;
using FalcoHook.Core.Events;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FalcoHook.Tests.Events;

/// <summary>What every <see cref="IEventStore"/> does, on every provider, against <see cref="KnownEvents"/>: the counts equal what was recorded.</summary>
public abstract class EventStoreContract
{
    private static readonly DateTimeOffset Now = KnownEvents.Base.AddHours(1);

    /// <summary><paramref name="count"/> stores over one fresh, empty history (as separate processes or replicas would open it).</summary>
    protected abstract Task<IReadOnlyList<IEventStore>> StoresAsync(int count = 1);

    protected async Task<IEventStore> KnownAsync()
    {
        var store = (await StoresAsync())[0];
        await store.RecordAsync(KnownEvents.Records(), Now, CancellationToken.None);
        return store;
    }

    public static TheoryData<string, int> Filters => new()
    {
        { "", 18 }, { "priority=error", 6 }, { "priority=warning", 12 }, { "rule=Read sensitive file untrusted", 6 }, { "source=k8s_audit", 6 },
        { "hostname=node-b", 4 }, { "tags=SHELL", 4 }, { "tags=filesystem,MITRE_credential_access", 6 }, { "tags=filesystem,shell", 0 },
        { "field.k8s.ns.name=payments", 7 }, { "field.fd.name=/etc/shadow", 2 }, { "field.proc.pid=3", 1 }, { "field.ka.target.namespace=kube-system", 5 },
        { "field.evt.time=1796036380000000000", 1 }, { "namespace=payments", 7 }, { "namespace=kube-system&q=zurich", 5 }, { "field.k8s.ns.name=payments&priority=critical", 4 },
        { "q=shadow", 2 }, { "q=SHADOW", 2 }, { "q=etc shadow", 2 }, { "q=/etc/shadow", 2 }, { "q=sudo*", 8 }, { "q=zurich", 5 }, { "q=secret-12", 1 },
        { "q=untrusted-10", 0 }, { "q=shell secret", 0 }, { "q=nothing-matches-this", 0 }, { "q=bash&priority=critical", 4 }, { "q=sudoers&field.k8s.ns.name=payments", 2 },
        { "decision=aggregated", 3 }, { "decision=deduplicated", 1 }, { "decision=routed", 1 }, { "decision=unrouted", 13 }, { "kind=summary", 1 },
        { "since=10:59:50&until=11:00:05", 3 }, { "since=11:00:55", 3 }, { "priority=error&since=10:59:50", 6 }, { "source=syscall&priority=warning", 12 },
        { "source=k8s_audit&until=11:00:45", 3 },
    };

    [SkippableTheory]
    [MemberData(nameof(Filters))]
    public async Task Filters_and_free_text_find_what_was_recorded_and_stats_count_the_same_alerts(string filter, int expected)
    {
        var store = await KnownAsync();
        var query = Parse(filter);

        var found = await AllAsync(store, query, pageSize: 5);
        Assert.Equal(expected, found.Count);
        var alerts = await AllAsync(store, query with { Kind = EventKind.Alert }, pageSize: 1000);
        var stats = await store.StatsAsync(query, null, Now, CancellationToken.None);
        Assert.Equal(alerts.Count, stats.Total);
        Assert.Equal(stats.Total, stats.Timeline.Sum(b => b.Total));
        AssertCounts(alerts, stats, _ => null);
    }

    /// <summary>Ranges in days from <see cref="DayEvents.Start"/> (whole days and hours read from the counts, the rest from the events) and filters.</summary>
    public static TheoryData<string?, string?, string?, string?> DayRanges => new()
    {
        { null, null, null, null },
        { "0.23", "2.55", null, null },         // parts of days at both ends
        { "0.23", "2.55", "error", null },
        { "1", "3", "warning", "syscall" },     // whole days
        { null, "1.77", null, "k8s_audit" },
        { "1.3", "1.8", "notice", null },       // hours of one day
        { "1.421", "1.44", null, null },        // within one hour
        { "2.1", null, "critical", null },
    };

    [SkippableTheory]
    [MemberData(nameof(DayRanges))]
    public async Task Stats_over_days_count_what_the_list_finds_whether_read_from_the_counts_or_the_events(string? since, string? until, string? priority,
        string? source)
    {
        var store = (await StoresAsync())[0];
        await store.RecordAsync(DayEvents.Records(), DayEvents.Start, CancellationToken.None);
        DateTimeOffset? At(string? days) => days is null ? null : DayEvents.Start.AddDays(double.Parse(days, System.Globalization.CultureInfo.InvariantCulture));
        var query = new EventQuery
        {
            Since = At(since), Until = At(until), Source = source,
            MinimumPriority = priority is null ? null : Priorities.TryParse(priority, out var p) ? p : throw new ArgumentException(priority),
        };
        var now = DayEvents.Start.AddDays(4);

        foreach (var bucket in (TimeSpan?[])[null, TimeSpan.FromHours(1), TimeSpan.FromMinutes(30)])
        {
            var alerts = await AllAsync(store, query, pageSize: 1000);
            Assert.NotEmpty(alerts);
            var stats = await store.StatsAsync(query, bucket, now, CancellationToken.None);
            AssertCounts(alerts, stats, DayEvents.NamespaceOf);
        }

        // Retention takes the oldest 40; the hourly and daily counts go down with them.
        Assert.Equal(40, await store.DeleteOldestAsync(DateTimeOffset.MinValue, 40, 100, CancellationToken.None));
        AssertCounts(await AllAsync(store, query, pageSize: 1000), await store.StatsAsync(query, null, now, CancellationToken.None), DayEvents.NamespaceOf);
    }

    /// <summary>Every count of <paramref name="stats"/> is what <paramref name="alerts"/> (every alert it counts) add up to.</summary>
    private static void AssertCounts(IReadOnlyList<StoredEvent> alerts, EventStats stats, Func<long, string?> namespaceOf)
    {
        static Dictionary<string, long> Tally(IEnumerable<string?> values) =>
            values.Where(v => !string.IsNullOrEmpty(v)).GroupBy(v => v!).ToDictionary(g => g.Key, g => (long)g.Count());
        static Dictionary<string, long> Of(IReadOnlyList<EventCount> counts) => counts.ToDictionary(c => c.Key, c => c.Count);

        Assert.Equal(alerts.Count, stats.Total);
        Assert.Equal(Tally(alerts.Select(a => a.Priority.ToFalcoString())), Of(stats.ByPriority));
        Assert.Equal(Tally(alerts.Select(a => a.Source)), Of(stats.BySource));
        Assert.Equal(Tally(alerts.Select(a => a.Rule)), Of(stats.ByRule));
        Assert.Equal(Tally(alerts.Select(a => a.Hostname)), Of(stats.ByHostname));
        Assert.Equal(Tally(alerts.SelectMany(a => a.Tags.Distinct(StringComparer.Ordinal))), Of(stats.ByTag));
        if (alerts.Any(a => namespaceOf(a.Id) is not null)) Assert.Equal(Tally(alerts.Select(a => namespaceOf(a.Id))), Of(stats.ByNamespace));
        var bucket = (long)stats.BucketSize.TotalMilliseconds;
        var timeline = alerts.GroupBy(a => a.Time.ToUnixTimeMilliseconds() / bucket * bucket).ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.Equal(timeline, stats.Timeline.Where(b => b.Total > 0).ToDictionary(b => b.Start.ToUnixTimeMilliseconds(), b => b.Total));
    }

    [SkippableFact]
    public async Task Pages_follow_the_cursor_newest_first_and_by_id_within_one_time()
    {
        var store = await KnownAsync();
        var summaryId = (await store.QueryAsync(new EventQuery { Kind = EventKind.Summary }, null, 10, CancellationToken.None)).Items.Single().Id;

        var pages = new List<EventPage>();
        string? cursor = null;
        do
        {
            pages.Add(await store.QueryAsync(new EventQuery(), cursor, 4, CancellationToken.None));
            cursor = pages[^1].Next;
        } while (cursor is not null);

        Assert.Equal([4, 4, 4, 4, 2], pages.Select(p => p.Items.Count));
        Assert.Equal([summaryId, .. Enumerable.Range(1, KnownEvents.Alerts).Reverse().Select(i => (long)i)], pages.SelectMany(p => p.Items).Select(e => e.Id));
        Assert.True(summaryId < 0);
        var first = pages[0].Items[1];
        Assert.Equal(("Outbound connection", "node-d", DecisionKind.Deduplicated, KnownEvents.TimeOf(16)), (first.Rule, first.Hostname, first.Outcome, first.Time));
        Assert.Equal(["container", "shell", "shell"], pages[2].Items[0].Tags);
        Assert.Null(pages[1].Items[0].Hostname);
    }

    [SkippableFact]
    public async Task Stats_count_alerts_by_each_dimension_once_per_alert_and_leave_out_empty_values()
    {
        var store = await KnownAsync();

        var stats = await store.StatsAsync(new EventQuery(), null, Now, CancellationToken.None);

        Assert.Equal(KnownEvents.Alerts, stats.Total);
        Assert.Equal([("Critical", 4L), ("Error", 2L), ("Warning", 6L), ("Notice", 5L)], Pairs(stats.ByPriority));
        Assert.Equal([("syscall", 12L), ("k8s_audit", 5L)], Pairs(stats.BySource));
        Assert.Equal([("Read sensitive file untrusted", 6L), ("K8s Secret Get", 5L), ("Terminal shell in container", 4L), ("Outbound connection", 2L)], Pairs(stats.ByRule));
        Assert.Equal([("node-a", 6L), ("node-b", 4L), ("node-d", 2L)], Pairs(stats.ByHostname));
        Assert.Equal([("payments", 7L), ("kube-system", 5L), ("default", 3L)], Pairs(stats.ByNamespace));
        Assert.Equal([("filesystem", 6L), ("mitre_credential_access", 6L), ("k8s", 5L), ("container", 4L), ("shell", 4L), ("network", 2L)], Pairs(stats.ByTag));
        var storm = Assert.Single(stats.Storms);
        Assert.Equal(("storm-2", "K8s Secret Get", 1L), (storm.Fingerprint, storm.Rule, storm.Held));

        var minutes = await store.StatsAsync(new EventQuery { Since = KnownEvents.Base.AddSeconds(-40), Until = KnownEvents.Base.AddSeconds(80) },
            TimeSpan.FromMinutes(1), Now, CancellationToken.None);
        Assert.Equal([(KnownEvents.Base.AddSeconds(-40), 4L), (KnownEvents.Base.AddSeconds(20), 13L)], minutes.Timeline.Select(b => (b.Start, b.Total)));
        Assert.Equal(new Dictionary<string, long> { ["Warning"] = 4 }, minutes.Timeline[0].ByPriority);
        Assert.Equal(new Dictionary<string, long> { ["Critical"] = 4, ["Error"] = 2, ["Warning"] = 2, ["Notice"] = 5 }, minutes.Timeline[1].ByPriority);
        Assert.Equal(TimeSpan.FromMinutes(1), minutes.BucketSize);
    }

    [SkippableFact]
    public async Task An_event_links_the_alert_it_repeats_its_storm_and_the_alerts_held_into_a_summary()
    {
        var store = await KnownAsync();
        var summaryId = (await store.QueryAsync(new EventQuery { Kind = EventKind.Summary }, null, 10, CancellationToken.None)).Items.Single().Id;

        var repeat = (await store.GetAsync(17, CancellationToken.None))!.Value.Detail;
        Assert.Equal(16, repeat.RepeatOf);
        var routed = (await store.GetAsync(16, CancellationToken.None))!.Value;
        Assert.Equal([new EventDeliveryRef("delivery-16", "siem")], routed.Deliveries);
        Assert.Equal(["siem"], routed.Detail.Decisions.Single().Destinations);
        Assert.Equal("203.0.113.7", routed.Detail.Notification.Alert.OutputFields!["fd.sip"].GetString());
        Assert.Equal(summaryId, (await store.GetAsync(14, CancellationToken.None))!.Value.Detail.SummaryId);
        var summary = (await store.GetAsync(summaryId, CancellationToken.None))!.Value.Detail;
        Assert.Equal([14L, 15L], summary.HeldAlerts);
        Assert.Equal(5, summary.Notification.Digest!.Count);
        Assert.Null(await store.GetAsync(999, CancellationToken.None));
    }

    [SkippableFact]
    public async Task Recording_an_event_again_from_any_writer_replaces_its_decisions_and_keeps_one_row_and_one_count()
    {
        var stores = await StoresAsync(2);
        var records = KnownEvents.Records();
        var first = await stores[0].RecordAsync(records, Now, CancellationToken.None);
        var silenced = records[0] with { Decisions = [new PipelineDecision("silence", DecisionKind.Silenced, "s-1")] };

        var again = await stores[1].RecordAsync([silenced, KnownEvents.Summary()], Now.AddMinutes(1), CancellationToken.None);

        Assert.Equal([1L, first[^1].Id], again.Select(e => e.Id));                      // the summary keeps its id
        Assert.Equal(records.Count, await stores[0].CountAsync(CancellationToken.None));
        Assert.Equal(KnownEvents.Alerts, (await stores[1].StatsAsync(new EventQuery(), null, Now, CancellationToken.None)).Total);
        var one = (await stores[0].GetAsync(1, CancellationToken.None))!.Value.Detail;
        Assert.Equal(DecisionKind.Silenced, one.Event.Outcome);
        Assert.Equal("s-1", one.Decisions.Single().Detail);
        Assert.Single(await AllAsync(stores[0], new EventQuery { Outcome = DecisionKind.Silenced }, 10));
        Assert.Equal(6, (await AllAsync(stores[0], new EventQuery { Text = "untrusted" }, 10)).Count);  // one row (and one index entry) each
    }

    [SkippableFact]
    public async Task Events_past_retention_go_first_then_the_oldest_over_the_maximum_and_the_counts_follow()
    {
        var store = (await StoresAsync())[0];
        var options = new EventsOptions { Retention = TimeSpan.FromDays(7), MaxEvents = 1000, PruneBatchSize = 7 };
        var t0 = new DateTimeOffset(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
        var old = await RecordShellsAsync(store, 30, t0);
        var recent = await RecordShellsAsync(store, 20, t0.AddDays(3));
        var time = new FakeTimeProvider(t0.AddDays(7).AddHours(1));
        var retention = new EventRetentionService(store, new StaticMonitor(options), time, NullLogger<EventRetentionService>.Instance);

        Assert.Equal(30, await retention.PruneAsync(CancellationToken.None));

        Assert.Equal(20, await store.CountAsync(CancellationToken.None));
        var kept = await AllIdsAsync(store);
        Assert.Equal(recent.OrderDescending(), kept);
        Assert.DoesNotContain(old[0], kept);
        var stats = await store.StatsAsync(new EventQuery(), TimeSpan.FromHours(1), time.GetUtcNow(), CancellationToken.None);
        Assert.Equal(20, stats.Total);                                       // hourly counts went down with the rows
        Assert.Equal(20, stats.ByTag.Single(t => t.Key == "shell").Count);
        Assert.Equal(0, await retention.PruneAsync(CancellationToken.None)); // nothing more is old

        options.MaxEvents = 5;
        Assert.Equal(15, await retention.PruneAsync(CancellationToken.None));
        Assert.Equal(recent.OrderDescending().Take(5), await AllIdsAsync(store));
        Assert.Equal(5, (await store.StatsAsync(new EventQuery(), null, time.GetUtcNow(), CancellationToken.None)).Total);
        var found = (await store.QueryAsync(new EventQuery { Text = "shell" }, null, 100, CancellationToken.None)).Items;
        Assert.Equal(5, found.Count);                                        // the search index forgot the deleted rows
        Assert.DoesNotContain(found, e => old.Contains(e.Id));
    }

    protected static async Task<List<StoredEvent>> AllAsync(IEventStore store, EventQuery query, int pageSize)
    {
        var items = new List<StoredEvent>();
        string? cursor = null;
        do
        {
            var page = await store.QueryAsync(query, cursor, pageSize, CancellationToken.None);
            items.AddRange(page.Items);
            cursor = page.Next;
        } while (cursor is not null);
        Assert.Equal(items.Count, items.Select(e => e.Id).Distinct().Count());
        return items;
    }

    private static async Task<List<long>> RecordShellsAsync(IEventStore store, int count, DateTimeOffset now)
    {
        var records = new List<EventRecord>();
        for (var i = 0; i < count; i++)
        {
            var notification = TestAlerts.FromInbox(TestAlerts.Shell(i), $"fp-{now.Ticks}-{i}");
            records.Add(new EventRecord(EventKind.Alert, notification, now, [new PipelineDecision("route", DecisionKind.Unrouted)], []));
        }
        var stored = await store.RecordAsync(records, now, CancellationToken.None);
        return [.. stored.Select(e => e.Id)];
    }

    private static async Task<List<long>> AllIdsAsync(IEventStore store) =>
        [.. (await store.QueryAsync(new EventQuery(), null, 1000, CancellationToken.None)).Items.Select(e => e.Id)];

    private static List<(string, long)> Pairs(IReadOnlyList<EventCount> counts) => [.. counts.Select(c => (c.Key, c.Count))];

    /// <summary>A filter written like the API's query string (times are HH:mm:ss on the day of <see cref="KnownEvents.Base"/>).</summary>
    private static EventQuery Parse(string filter)
    {
        var query = new EventQuery();
        var fields = new Dictionary<string, string>();
        foreach (var part in filter.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var (key, value) = (part[..part.IndexOf('=')], part[(part.IndexOf('=') + 1)..]);
            DateTimeOffset At() => new(KnownEvents.Base.Date.Add(TimeSpan.Parse(value)), TimeSpan.Zero);
            query = key switch
            {
                "priority" => query with { MinimumPriority = Priorities.TryParse(value, out var p) ? p : throw new ArgumentException(value) },
                "rule" => query with { Rule = value },
                "source" => query with { Source = value },
                "hostname" => query with { Hostname = value },
                "namespace" => query with { Namespace = value },
                "tags" => query with { Tags = value.Split(',') },
                "q" => query with { Text = value },
                "decision" => query with { Outcome = EventJson.TryParseOutcome(value, out var outcome) ? outcome : throw new ArgumentException(value) },
                "kind" => query with { Kind = Enum.Parse<EventKind>(value, ignoreCase: true) },
                "since" => query with { Since = At() },
                "until" => query with { Until = At() },
                _ when key.StartsWith("field.", StringComparison.Ordinal) => Field(query, key["field.".Length..], value),
                _ => throw new ArgumentException(key),
            };
        }
        return query;

        EventQuery Field(EventQuery q, string key, string value)
        {
            fields[key] = value;
            return q with { Fields = new Dictionary<string, string>(fields) };
        }
    }

    private sealed class StaticMonitor(EventsOptions options) : IOptionsMonitor<EventsOptions>
    {
        public EventsOptions CurrentValue => options;
        public EventsOptions Get(string? name) => options;
        public IDisposable? OnChange(Action<EventsOptions, string?> listener) => null;
    }
}
