using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using FalcoHook.Core.Events;
using FalcoHook.Core.Events.Sqlite;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Storage;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FalcoHook.Tests.Events;

/// <summary>Retention: old events go, the history stays within its maximum, and ingest answers 200 all along.</summary>
public sealed class EventRetentionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Events_past_retention_go_first_then_the_oldest_over_the_maximum_and_the_counts_follow()
    {
        using var dir = new TempDirectory();
        var options = new EventsOptions { File = dir.File("events.db"), Retention = TimeSpan.FromDays(7), MaxEvents = 1000, PruneBatchSize = 7 };
        var store = new SqliteEventStore(new SqliteEventDatabase(Options.Create(options), Options.Create(new StorageOptions())));
        var old = await RecordAsync(store, 30, T0);
        var recent = await RecordAsync(store, 20, T0.AddDays(3));
        var time = new FakeTimeProvider(T0.AddDays(7).AddHours(1));
        var monitor = new StaticMonitor(options);
        var retention = new EventRetentionService(store, monitor, time, NullLogger<EventRetentionService>.Instance);

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

    [Fact]
    public async Task Under_continuous_ingest_the_history_stays_within_its_maximum_and_every_post_is_answered_200()
    {
        const int maximum = 40, posted = 400;
        await using var factory = new FalcoHookFactory()
            .With("FalcoHook:Events:MaxEvents", maximum.ToString())
            .With("FalcoHook:Events:PruneInterval", "00:00:00.020")
            .With("FalcoHook:Events:PruneBatchSize", "8")
            .With("FalcoHook:Pipeline:Dedup:Enabled", "false")
            .With("FalcoHook:Pipeline:Aggregate:Enabled", "false");
        using var client = factory.Client(key: null);
        var store = factory.Services.GetRequiredService<IEventStore>();
        var statuses = new ConcurrentBag<HttpStatusCode>();
        await Parallel.ForAsync(0, posted, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (n, ct) =>
        {
            var alert = JsonSerializer.Serialize(new
            {
                output = $"shell {n}", priority = "Warning", rule = "Terminal shell in container", source = "syscall", hostname = "node-a",
                tags = new[] { "shell" }, time = T0.AddSeconds(n).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffff00Z"),
                output_fields = new Dictionary<string, object> { ["proc.pid"] = n },
            });
            using var response = await client.PostAsync("/", new StringContent(alert, System.Text.Encoding.UTF8, "application/json"), ct);
            statuses.Add(response.StatusCode);
        });
        Assert.All(statuses, status => Assert.Equal(HttpStatusCode.OK, status));
        Assert.Equal(posted, statuses.Count);

        // Every alert was handled (the drain handed all 400 over), and the history is back within its maximum.
        await Eventually.TrueAsync(() => factory.Recorder.Total >= posted, "all alerts handled");
        await Eventually.TrueAsync(async () => await store.CountAsync(CancellationToken.None) <= maximum, $"at most {maximum} events kept");
        var kept = await store.QueryAsync(new EventQuery(), null, 1000, CancellationToken.None);
        Assert.InRange(kept.Items.Count, 1, maximum);
        // A fresh inbox numbers its rows 1 to 400 in arrival order: the newest rows stay, the oldest went.
        Assert.Equal(Enumerable.Range(posted - kept.Items.Count + 1, kept.Items.Count).Select(i => (long)i), kept.Items.Select(e => e.Id).Order());
        var stats = await store.StatsAsync(new EventQuery(), null, DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.Equal(kept.Items.Count, stats.Total);
    }

    private static async Task<List<long>> RecordAsync(SqliteEventStore store, int count, DateTimeOffset now)
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

    private static async Task<List<long>> AllIdsAsync(SqliteEventStore store) =>
        [.. (await store.QueryAsync(new EventQuery(), null, 1000, CancellationToken.None)).Items.Select(e => e.Id)];

    private sealed class StaticMonitor(EventsOptions options) : IOptionsMonitor<EventsOptions>
    {
        public EventsOptions CurrentValue => options;
        public EventsOptions Get(string? name) => options;
        public IDisposable? OnChange(Action<EventsOptions, string?> listener) => null;
    }
}
