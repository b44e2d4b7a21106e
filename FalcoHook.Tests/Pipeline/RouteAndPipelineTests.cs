using FalcoHook.Core.Alerts;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Pipeline;

public sealed class RouteAndPipelineTests : IDisposable
{
    private readonly PipelineTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    [Fact]
    public void Alert_goes_to_every_destination_whose_priority_and_condition_it_meets()
    {
        var router = _kit.Router(
            ("slack", new DestinationOptions { Type = "slack", MinimumPriority = Priority.Warning }),
            ("pd", new DestinationOptions { Type = "pagerduty", MinimumPriority = Priority.Critical }),
            ("siem", new DestinationOptions { Type = "webhook", Condition = "falco.source = k8s_audit" }),
            ("off", new DestinationOptions { Type = "webhook", Enabled = false }));

        var routed = router.Route([
            PipelineTestKit.Wrap(PipelineTestKit.Alert(priority: Priority.Critical, source: "syscall")),
            PipelineTestKit.Wrap(PipelineTestKit.Alert(priority: Priority.Warning, source: "k8s_audit")),
        ]);

        Assert.Equal(2, routed.Count);
        Assert.Equal(["pd", "slack"], routed[0].Destinations);
        Assert.Equal(["siem", "slack"], routed[1].Destinations);
    }

    [Fact]
    public void Alert_no_destination_takes_is_counted_as_unrouted_and_not_returned()
    {
        var router = _kit.Router(("pd", new DestinationOptions { Type = "pagerduty", MinimumPriority = Priority.Critical }));

        var routed = router.Route([PipelineTestKit.Wrap(PipelineTestKit.Alert(priority: Priority.Notice))]);

        Assert.Empty(routed);
        Assert.Equal(1, _kit.Metrics.Total("falcohook.pipeline.unrouted"));
    }

    [Fact]
    public void Destination_condition_that_does_not_compile_names_its_key_and_position()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            _kit.Router(("siem", new DestinationOptions { Type = "webhook", Condition = "falco.rule = = x" })));

        Assert.Equal("FalcoHook:Destinations:siem:Condition: 1:14: expected a value after '=' but found '='", error.Message);
    }

    [Fact]
    public async Task Pipeline_runs_stages_in_order_and_hands_the_result_to_the_outbox()
    {
        var order = new List<string>();
        var pipeline = new AlertPipeline(
            [new RecordingStage("a", order), new RecordingStage("b", order, dropRule: "noisy")],
            _kit.Router(), new AlertFingerprint(), _kit.Outbox);

        await pipeline.HandleAsync(TestInbox.Alerts(PipelineTestKit.Alert(rule: "kept"), PipelineTestKit.Alert(rule: "noisy")), CancellationToken.None);

        Assert.Equal(["a:2", "b:2"], order);
        var routed = Assert.Single(_kit.Outbox.Received);
        Assert.Equal("kept", routed.Notification.Alert.Rule);
        Assert.Equal(["all"], routed.Destinations);
        Assert.Matches("^[0-9a-f]{32}$", routed.Notification.Fingerprint);
    }

    [Fact]
    public async Task Outbox_failure_propagates_so_the_inbox_keeps_the_batch()
    {
        _kit.Outbox.FailNext = true;
        var pipeline = new AlertPipeline([], _kit.Router(), new AlertFingerprint(), _kit.Outbox);

        await Assert.ThrowsAsync<IOException>(() => pipeline.HandleAsync(TestInbox.Alerts(PipelineTestKit.Alert()), CancellationToken.None));

        Assert.Empty(_kit.Outbox.Received);
    }

    [Fact]
    public async Task Pipeline_and_each_stage_record_a_span_on_the_FalcoHook_source()
    {
        var spans = new List<string>();
        using var listener = new System.Diagnostics.ActivityListener
        {
            ShouldListenTo = source => source.Name == "FalcoHook",
            Sample = (ref System.Diagnostics.ActivityCreationOptions<System.Diagnostics.ActivityContext> _) => System.Diagnostics.ActivitySamplingResult.AllData,
            ActivityStopped = activity => { lock (spans) spans.Add(activity.DisplayName); },
        };
        System.Diagnostics.ActivitySource.AddActivityListener(listener);
        var pipeline = new AlertPipeline([new RecordingStage("probe-stage", [])], _kit.Router(), new AlertFingerprint(), _kit.Outbox);

        await pipeline.HandleAsync(TestInbox.Alerts(PipelineTestKit.Alert()), CancellationToken.None);

        lock (spans)
        {
            Assert.Contains("pipeline probe-stage", spans);
            Assert.Contains("pipeline route", spans);
            Assert.Contains("pipeline", spans);
        }
    }

    private sealed class RecordingStage(string name, List<string> order, string? dropRule = null) : IPipelineStage
    {
        public string Name => name;

        public ValueTask<IReadOnlyList<Notification>> ProcessAsync(IReadOnlyList<Notification> batch, CancellationToken cancellationToken)
        {
            order.Add($"{name}:{batch.Count}");
            return ValueTask.FromResult<IReadOnlyList<Notification>>(batch.Where(n => n.Alert.Rule != dropRule).ToList());
        }
    }
}
