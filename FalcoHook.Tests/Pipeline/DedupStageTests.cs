using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Pipeline;

public sealed class DedupStageTests : IDisposable
{
    private readonly PipelineTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    private DedupStage Stage(DedupOptions? options = null) => new(options ?? new DedupOptions(), _kit.Time, _kit.Telemetry);

    private static Notification Shell(long evtTime = 1685022245478445995, string proc = "sh") =>
        PipelineTestKit.Wrap(PipelineTestKit.Alert(fields: new Dictionary<string, object>
        {
            ["evt.time"] = evtTime, ["evt.time.iso8601"] = evtTime, ["proc.name"] = proc, ["container.id"] = "ee97d9c4186f",
        }));

    private static async Task<IReadOnlyList<Notification>> Run(DedupStage stage, params Notification[] batch) =>
        await stage.ProcessAsync(batch, CancellationToken.None);

    [Fact]
    public void Fingerprint_is_stable_across_processes_and_ignores_per_event_time_fields()
    {
        var a = Shell(evtTime: 1);
        var b = Shell(evtTime: 2);

        Assert.Equal(a.Fingerprint, b.Fingerprint);
        Assert.NotEqual(a.Fingerprint, Shell(proc: "bash").Fingerprint);
        // Golden value computed independently (Python: sha256 over length-prefixed rule, source, hostname,
        // container.id, ee97d9c4186f, proc.name, sh): the PagerDuty dedup_key source must never drift.
        Assert.Equal("1737e2d5a6c64adffb4b59daea593b72", a.Fingerprint);
    }

    [Fact]
    public void Configured_fields_are_the_only_output_fields_the_fingerprint_covers()
    {
        var fingerprint = new AlertFingerprint(["container.id"]);
        var sh = PipelineTestKit.Alert(fields: new { proc_name = "sh", container_id = "c1" });
        var withContainer = PipelineTestKit.Alert(fields: new Dictionary<string, object> { ["proc.name"] = "sh", ["container.id"] = "c1" });
        var otherProcess = PipelineTestKit.Alert(fields: new Dictionary<string, object> { ["proc.name"] = "bash", ["container.id"] = "c1" });
        var otherContainer = PipelineTestKit.Alert(fields: new Dictionary<string, object> { ["proc.name"] = "sh", ["container.id"] = "c2" });

        Assert.Equal(fingerprint.Compute(withContainer), fingerprint.Compute(otherProcess));
        Assert.NotEqual(fingerprint.Compute(withContainer), fingerprint.Compute(otherContainer));
        Assert.NotEqual(fingerprint.Compute(withContainer), fingerprint.Compute(sh));
    }

    [Theory]
    [InlineData("evt.time", true)]
    [InlineData("evt.rawtime", true)]
    [InlineData("evt.datetime", true)]
    [InlineData("evt.time.iso8601", true)]
    [InlineData("jevt.time", true)]
    [InlineData("jevt.time.iso8601", true)]
    [InlineData("ka.auditid", true)]
    [InlineData("evt.num", true)]
    [InlineData("proc.name", false)]
    [InlineData("time", false)]
    [InlineData("ka.target.name", false)]
    public void Per_event_fields_are_time_fields_and_event_ids(string key, bool perEvent) =>
        Assert.Equal(perEvent, AlertFields.IsPerEventField(key));

    [Fact]
    public async Task Repeat_before_first_plus_window_is_held_and_counted_against_the_first()
    {
        var stage = Stage();
        var first = Shell(evtTime: 1);

        Assert.Single(await Run(stage, first));
        _kit.Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Empty(await Run(stage, Shell(evtTime: 2), Shell(evtTime: 3)));
        _kit.Time.Advance(TimeSpan.FromSeconds(30) - TimeSpan.FromTicks(1));
        Assert.Empty(await Run(stage, Shell(evtTime: 4)));

        Assert.Equal(3, stage.RepeatsOf(first.Fingerprint));
        Assert.Equal(3, _kit.Metrics.Total("falcohook.pipeline.deduplicated"));
    }

    [Fact]
    public async Task At_exactly_first_plus_window_the_alert_is_new_and_opens_the_next_window()
    {
        var stage = Stage(new DedupOptions { Window = TimeSpan.FromMinutes(1) });
        Assert.Single(await Run(stage, Shell()));
        _kit.Time.Advance(TimeSpan.FromSeconds(59)); // a repeat does not extend the window
        Assert.Empty(await Run(stage, Shell()));

        _kit.Time.Advance(TimeSpan.FromSeconds(1)); // first + 60 s
        Assert.Single(await Run(stage, Shell()));
        Assert.Equal(0, stage.RepeatsOf(Shell().Fingerprint));

        _kit.Time.Advance(TimeSpan.FromSeconds(59));
        Assert.Empty(await Run(stage, Shell()));
    }

    [Fact]
    public async Task Repeats_within_one_batch_are_held_too()
    {
        var output = await Run(Stage(), Shell(evtTime: 1), Shell(evtTime: 2), Shell(proc: "bash"));

        Assert.Equal(["sh", "bash"], output.Select(n => n.Alert.OutputFields!["proc.name"].GetString()));
    }

    [Fact]
    public async Task State_is_bounded_expired_keys_are_swept_and_untracked_alerts_are_sent()
    {
        var stage = Stage(new DedupOptions { MaxKeys = 2 });
        await Run(stage, Shell(proc: "a"), Shell(proc: "b"));

        // Full: a third fingerprint is not tracked, so its repeat is sent rather than lost.
        Assert.Single(await Run(stage, Shell(proc: "c")));
        Assert.Single(await Run(stage, Shell(proc: "c")));
        Assert.Equal(2, stage.Count);

        _kit.Time.Advance(TimeSpan.FromMinutes(1));
        Assert.Single(await Run(stage, Shell(proc: "c")));
        Assert.Equal(1, stage.Count);
        Assert.Empty(await Run(stage, Shell(proc: "c")));
    }

    [Fact]
    public async Task A_batch_the_outbox_refused_is_not_a_repeat_of_itself_when_handed_over_again()
    {
        var stage = Stage();
        var pipeline = new AlertPipeline([stage], _kit.Router(), new AlertFingerprint(), _kit.Outbox);
        var alert = Shell().Alert;
        _kit.Outbox.FailNext = true;

        await Assert.ThrowsAsync<IOException>(() => pipeline.HandleAsync(TestInbox.Alerts(alert), CancellationToken.None));
        await pipeline.HandleAsync(TestInbox.Alerts(alert), CancellationToken.None);
        await pipeline.HandleAsync(TestInbox.Alerts(alert), CancellationToken.None);

        Assert.Single(_kit.Outbox.Received);
        Assert.Equal(1, stage.RepeatsOf(Shell().Fingerprint));
    }
}
