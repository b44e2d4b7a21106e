using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using FalcoHook.Core.Events;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FalcoHook.Tests.Events;

/// <summary>
/// Retention in the running service: the history stays within its maximum and ingest answers 200 all along (what a
/// prune step deletes is in <see cref="EventStoreContract"/>, on every provider).
/// </summary>
public sealed class EventRetentionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

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
        await HistoryCaughtUp.WaitAsync(factory.Services);
        await Eventually.TrueAsync(async () => await store.CountAsync(CancellationToken.None) <= maximum, $"at most {maximum} events kept");
        var kept = await store.QueryAsync(new EventQuery(), null, 1000, CancellationToken.None);
        Assert.InRange(kept.Items.Count, 1, maximum);
        // A fresh inbox numbers its rows 1 to 400 in arrival order: the newest rows stay, the oldest went.
        Assert.Equal(Enumerable.Range(posted - kept.Items.Count + 1, kept.Items.Count).Select(i => (long)i), kept.Items.Select(e => e.Id).Order());
        var stats = await store.StatsAsync(new EventQuery(), null, DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.Equal(kept.Items.Count, stats.Total);
    }
}
