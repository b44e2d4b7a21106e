using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Pipeline;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// Storm summaries are machine-readable: a storm of 2,000 alerts goes through the real dedup and aggregate stages into
/// the durable outbox, and reaches a webhook and a Loki log store as summaries whose structured <c>falcohook.count</c>
/// adds up to 2,000 at each, with the window and samples as fields, in the Falco alert shape.
/// </summary>
public sealed class LokiStormSummaryTests : IDisposable
{
    private readonly PipelineTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    [Fact]
    public async Task A_storm_of_2000_reaches_a_webhook_and_a_log_store_as_summaries_whose_counts_add_up_to_2000()
    {
        await using var hookReceiver = await FakeReceiver.StartAsync();
        await using var lokiReceiver = await FakeReceiver.StartAsync();
        var loki = new LokiFake();
        lokiReceiver.Responder = loki.Answer;
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:hook:Type"] = "webhook",
            ["FalcoHook:Destinations:hook:Url"] = hookReceiver.Url("/falco"),
            ["FalcoHook:Destinations:logs:Type"] = "loki",
            ["FalcoHook:Destinations:logs:Url"] = lokiReceiver.Url("/"),
            ["FalcoHook:Destinations:logs:BatchLinger"] = "00:00:00.200",
        });
        var aggregate = new AggregateStage(new AggregateOptions(), _kit.Time, _kit.Telemetry);
        var dedup = new DedupStage(new DedupOptions(), _kit.Time, _kit.Telemetry, aggregate);
        var pipeline = new AlertPipeline([dedup, aggregate], _kit.Router(("hook", new DestinationOptions { Type = "webhook" }), ("logs", new DestinationOptions { Type = "loki" })),
            new AlertFingerprint(), host.Outbox);

        // 2,000 distinct shells (one pid each) over 100 s: two one-minute windows, each past the threshold.
        for (var start = 0; start < 2000; start += 50)
        {
            await pipeline.HandleAsync(TestInbox.Alerts(Enumerable.Range(start, 50).Select(Shell).ToList()), CancellationToken.None);
            _kit.Time.Advance(TimeSpan.FromMilliseconds(2500));
        }
        _kit.Time.SetUtcNow(PipelineTestKit.Start.AddMinutes(3));
        await pipeline.FlushDueAsync(_kit.Time.GetUtcNow(), CancellationToken.None);

        var expected = (await host.Store.ListAsync(new DeliveryQuery(Destination: "hook", Limit: 1000), CancellationToken.None)).Total;
        var requests = await hookReceiver.WaitForRequestsAsync((int)expected);
        await Eventually.TrueAsync(() => loki.Entries.Count >= expected, $"{expected} entries in Loki");

        var hookSummaries = requests.Select(r => r.Json).Where(IsSummary).ToList();
        var lokiSummaries = loki.Entries.Select(e => e.Json).Where(IsSummary).ToList();
        Assert.True(hookSummaries.Count >= 2, $"{hookSummaries.Count} summaries at the webhook");
        Assert.Equal(2000, hookSummaries.Sum(Count));
        Assert.Equal(2000, lokiSummaries.Sum(Count));
        foreach (var summary in hookSummaries.Concat(lokiSummaries))
        {
            var fields = summary.GetProperty("output_fields");
            Assert.Equal("Terminal shell in container", summary.GetProperty("rule").GetString());
            Assert.Contains("aggregated", summary.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
            Assert.StartsWith($"{Count(summary)} alerts of 'Terminal shell in container' in 1m", summary.GetProperty("output").GetString());
            var start = DateTimeOffset.Parse(fields.GetProperty(SummaryFields.WindowStart).GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            var end = DateTimeOffset.Parse(fields.GetProperty(SummaryFields.WindowEnd).GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(TimeSpan.FromMinutes(1), end - start);
            Assert.Equal("sh", fields.GetProperty(SummaryFields.SamplesPrefix + "proc.name")[0].GetString());
        }
        // Alerts sent one by one before a window crossed the threshold are in those counts, and carry no falcohook fields.
        Assert.All(requests.Select(r => r.Json).Where(j => !IsSummary(j)), j => Assert.False(j.GetProperty("output_fields").TryGetProperty(SummaryFields.Count, out _)));
    }

    private static FalcoAlert Shell(int i) => PipelineTestKit.Alert(
        output: $"A shell was spawned in a container (pid={i})",
        time: PipelineTestKit.Start.AddMilliseconds(i * 50),
        fields: new Dictionary<string, object> { ["evt.time"] = 1_685_022_245_000_000_000L + i, ["proc.pid"] = i, ["proc.name"] = "sh" });

    private static bool IsSummary(JsonElement alert) => alert.GetProperty("output_fields").TryGetProperty(SummaryFields.Count, out _);

    private static long Count(JsonElement alert) => alert.GetProperty("output_fields").GetProperty(SummaryFields.Count).GetInt64();
}
