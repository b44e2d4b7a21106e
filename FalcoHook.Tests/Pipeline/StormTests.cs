using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Pipeline;

/// <summary>Issue 5, "nothing noisy": a storm reaches the outbox as a handful of messages with the true count.</summary>
public sealed class StormTests : IDisposable
{
    private readonly PipelineTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    private AlertPipeline Pipeline()
    {
        var aggregate = new AggregateStage(new AggregateOptions(), _kit.Time, _kit.Telemetry);
        var dedup = new DedupStage(new DedupOptions(), _kit.Time, _kit.Telemetry, aggregate);
        return new AlertPipeline([dedup, aggregate], _kit.Router(), new AlertFingerprint(), _kit.Outbox);
    }

    private static FalcoAlert Copy(int i, int pid) => PipelineTestKit.Alert(
        output: "A shell was spawned in a container (pid=1234)",
        time: PipelineTestKit.Start.AddMilliseconds(i * 5),
        fields: new Dictionary<string, object> { ["evt.time"] = 1_685_022_245_000_000_000L + i, ["proc.pid"] = pid, ["proc.name"] = "sh" });

    private static readonly FalcoAlert Other = PipelineTestKit.Alert(rule: "Read sensitive file untrusted",
        priority: Priority.Warning, output: "Sensitive file opened for reading", tags: ["filesystem"],
        fields: new Dictionary<string, object> { ["fd.name"] = "/etc/shadow" });

    /// <summary>Sends <paramref name="count"/> alerts in batches of 50 over 50 seconds, plus <see cref="Other"/> in the middle, then lets the minute close.</summary>
    private async Task Storm(AlertPipeline pipeline, int count, Func<int, FalcoAlert> make)
    {
        for (var start = 0; start < count; start += 50)
        {
            var batch = Enumerable.Range(start, Math.Min(50, count - start)).Select(make).ToList();
            if (start == count / 2) batch.Add(Other);
            await pipeline.HandleAsync(TestInbox.Alerts(batch), CancellationToken.None);
            _kit.Time.Advance(TimeSpan.FromMilliseconds(250));
        }
        _kit.Time.SetUtcNow(PipelineTestKit.Start.AddMinutes(1));
        await pipeline.FlushDueAsync(_kit.Time.GetUtcNow(), CancellationToken.None);
    }

    [Fact]
    public async Task Ten_thousand_copies_in_a_minute_arrive_as_a_handful_of_messages_with_the_true_count()
    {
        await Storm(Pipeline(), 10_000, i => Copy(i, pid: 1234));

        var storm = _kit.Outbox.Received.Where(r => r.Notification.Alert.Rule == "Terminal shell in container").ToList();
        Assert.Equal(2, storm.Count); // the first copy, sent at once, and the summary
        Assert.Null(storm[0].Notification.Digest);
        var summary = Assert.Single(storm, r => r.Notification.Digest is not null).Notification;
        Assert.Equal(10_000, summary.Digest!.Count);
        Assert.StartsWith("10000 alerts of 'Terminal shell in container' in 1m: ", summary.Alert.Output);
        Assert.Contains("aggregated", summary.Alert.Tags);

        var other = Assert.Single(_kit.Outbox.Received, r => r.Notification.Alert.Rule == Other.Rule).Notification;
        Assert.Same(Other, other.Alert);
        Assert.Null(other.Digest);
        Assert.Equal(9_999, _kit.Metrics.Total("falcohook.pipeline.deduplicated"));
    }

    [Fact]
    public async Task Ten_thousand_distinct_alerts_of_one_rule_send_the_threshold_and_one_summary()
    {
        await Storm(Pipeline(), 10_000, i => Copy(i, pid: i));

        var storm = _kit.Outbox.Received.Where(r => r.Notification.Alert.Rule == "Terminal shell in container").ToList();
        Assert.Equal(new AggregateOptions().Threshold + 1, storm.Count);
        Assert.Equal(10_000, storm.Single(r => r.Notification.Digest is not null).Notification.Digest!.Count);
        Assert.Single(_kit.Outbox.Received, r => r.Notification.Alert.Rule == Other.Rule);
        Assert.Equal(10_000 - 20, _kit.Metrics.Total("falcohook.pipeline.aggregated"));
    }
}
