using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Pipeline;

public sealed class AggregateStageTests : IDisposable
{
    private readonly PipelineTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    private AggregateStage Stage(int threshold = 3) =>
        new(new AggregateOptions { Threshold = threshold, Window = TimeSpan.FromMinutes(1) }, _kit.Time, _kit.Telemetry);

    private static Notification Shell(int pid, string rule = "Terminal shell in container", int second = 0) =>
        PipelineTestKit.Wrap(PipelineTestKit.Alert(rule: rule, output: $"shell pid={pid}",
            time: PipelineTestKit.Start.AddSeconds(second),
            fields: new Dictionary<string, object> { ["proc.pid"] = pid, ["proc.name"] = "sh", ["evt.time"] = pid }));

    private static async Task<IReadOnlyList<Notification>> Run(AggregateStage stage, params Notification[] batch) =>
        await stage.ProcessAsync(batch, CancellationToken.None);

    [Fact]
    public async Task Up_to_the_threshold_alerts_pass_then_the_group_is_held_until_its_window_closes()
    {
        var stage = Stage(threshold: 3);

        var passed = await Run(stage, Shell(1, second: 5), Shell(2, second: 1), Shell(3, second: 9), Shell(4, second: 3));
        _kit.Time.Advance(TimeSpan.FromSeconds(30));
        passed = [.. passed, .. await Run(stage, Shell(5, second: 40))];

        Assert.Equal([1, 2, 3], passed.Select(n => n.Alert.OutputFields!["proc.pid"].GetInt32()));
        Assert.Equal(2, _kit.Metrics.Total("falcohook.pipeline.aggregated"));

        _kit.Time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1)); // last tick of the window
        Assert.Empty(stage.FlushDue(_kit.Time.GetUtcNow()));

        _kit.Time.Advance(TimeSpan.FromTicks(1)); // exactly start + window
        var summary = Assert.Single(stage.FlushDue(_kit.Time.GetUtcNow()));

        var digest = summary.Digest!;
        Assert.Equal(5, digest.Count); // all five, including the three sent one by one
        Assert.Equal(FalcoTime.FromDateTimeOffset(PipelineTestKit.Start.AddSeconds(1)), digest.FirstSeen);
        Assert.Equal(FalcoTime.FromDateTimeOffset(PipelineTestKit.Start.AddSeconds(40)), digest.LastSeen);
        Assert.Equal("shell pid=1", digest.FirstOutput);
        Assert.Equal(new Dictionary<string, string>
        {
            ["falco.rule"] = "Terminal shell in container", ["falco.hostname"] = "node-1", ["falco.priority"] = "Warning",
        }, digest.GroupKey);
        Assert.Equal(["1", "2", "3", "4", "5"], digest.Samples["proc.pid"]);
        Assert.Equal(["sh"], digest.Samples["proc.name"]);
        Assert.False(digest.Samples.ContainsKey("evt.time"));
        Assert.Equal("5 alerts of 'Terminal shell in container' in 1m: shell pid=1", summary.Alert.Output);
        Assert.Equal("Terminal shell in container", summary.Alert.Rule);
        Assert.Equal(Priority.Warning, summary.Alert.Priority);
        Assert.Equal(["container", "shell", "aggregated"], summary.Alert.Tags);
        Assert.Equal(0, stage.Count);
    }

    [Fact]
    public async Task Samples_keep_at_most_the_configured_number_of_distinct_values()
    {
        var stage = new AggregateStage(new AggregateOptions { Threshold = 1, SampleValues = 2 }, _kit.Time, _kit.Telemetry);
        await Run(stage, Shell(1), Shell(1), Shell(2), Shell(3));
        _kit.Time.Advance(TimeSpan.FromMinutes(1));

        var summary = Assert.Single(stage.FlushDue(_kit.Time.GetUtcNow()));

        Assert.Equal(["1", "2"], summary.Digest!.Samples["proc.pid"]);
        Assert.Equal(4, summary.Digest.Count);
    }

    [Fact]
    public async Task A_group_that_stayed_within_its_threshold_yields_no_summary()
    {
        var stage = Stage(threshold: 3);
        Assert.Equal(3, (await Run(stage, Shell(1), Shell(2), Shell(3))).Count);
        _kit.Time.Advance(TimeSpan.FromMinutes(5));

        Assert.Empty(stage.FlushDue(_kit.Time.GetUtcNow()));
        Assert.Equal(0, stage.Count);
    }

    [Fact]
    public async Task An_alert_exactly_at_the_window_end_opens_the_next_window_and_the_next_batch_carries_the_summary()
    {
        var stage = Stage(threshold: 1);
        await Run(stage, Shell(1), Shell(2));
        _kit.Time.Advance(TimeSpan.FromMinutes(1));

        var output = await Run(stage, Shell(3));

        Assert.Equal(2, output.Count);
        Assert.Equal(2, output[0].Digest!.Count);
        Assert.Null(output[1].Digest);
        Assert.Equal(3, output[1].Alert.OutputFields!["proc.pid"].GetInt32());
    }

    [Fact]
    public async Task Groups_are_keyed_by_the_configured_fields()
    {
        var stage = new AggregateStage(new AggregateOptions { Threshold = 1, GroupBy = ["proc.name"] }, _kit.Time, _kit.Telemetry);

        var output = await Run(stage, Shell(1, rule: "A"), Shell(2, rule: "B"));

        Assert.Single(output);
        Assert.Equal(1, stage.Count);
    }

    [Fact]
    public async Task Summary_refused_by_the_outbox_is_sent_at_the_next_flush()
    {
        var stage = Stage(threshold: 1);
        var pipeline = new AlertPipeline([stage], _kit.Router(), new AlertFingerprint(), _kit.Outbox);
        await pipeline.HandleAsync(TestInbox.Alerts(Shell(1).Alert, Shell(2).Alert, Shell(3).Alert), CancellationToken.None);
        _kit.Time.Advance(TimeSpan.FromMinutes(1));
        _kit.Outbox.FailNext = true;

        await Assert.ThrowsAsync<IOException>(() => pipeline.FlushDueAsync(_kit.Time.GetUtcNow(), CancellationToken.None));
        Assert.Equal(1, await pipeline.FlushDueAsync(_kit.Time.GetUtcNow(), CancellationToken.None));

        Assert.Equal(3, _kit.Outbox.Received.Single(r => r.Notification.Digest is not null).Notification.Digest!.Count);
        Assert.Equal(0, await pipeline.FlushDueAsync(_kit.Time.GetUtcNow(), CancellationToken.None));
    }
}
