using FalcoHook.Core.Alerts;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Silences;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Pipeline;

/// <summary>What the pipeline tells an <see cref="IAlertDecisionSink"/> about each alert of a batch and each storm summary.</summary>
public sealed class PipelineDecisionTests : IDisposable
{
    private readonly PipelineTestKit _kit = new();
    private readonly RecordingSink _sink = new();

    public void Dispose() => _kit.Dispose();

    private AlertPipeline Create(ISilenceStore silences) => AlertPipeline.Create(
        new PipelineOptions
        {
            Drop = ["falco.rule = \"Noisy rule\""],
            Aggregate = { Threshold = 2, GroupBy = ["falco.rule"] },
        },
        new Dictionary<string, DestinationOptions>
        {
            ["pager"] = new() { Type = "webhook", MinimumPriority = Priority.Critical },
            ["siem"] = new() { Type = "webhook", Condition = "falco.hostname = node-1" },
        },
        _kit.Compiler, silences, _kit.Outbox, _kit.Time, _kit.Telemetry, sinks: [_sink]);

    [Fact]
    public async Task Every_alert_of_a_batch_is_reported_with_the_stage_that_held_it_or_where_it_was_routed()
    {
        var silences = new InMemorySilenceStore(_kit.Time);
        await silences.AddAsync(new Silence
        {
            Id = "maintenance-1",
            Matchers = [SilenceMatcher.Create("falco.hostname", MatchOperator.Equal, "node-9")],
            StartsAt = PipelineTestKit.Start.AddMinutes(-1),
            EndsAt = PipelineTestKit.Start.AddHours(1),
            CreatedBy = "test",
        }, CancellationToken.None);
        var pipeline = Create(silences);
        var routed = PipelineTestKit.Alert(rule: "Shell", priority: Priority.Critical);
        var batch = TestInbox.Alerts(
            PipelineTestKit.Alert(rule: "Noisy rule"),
            PipelineTestKit.Alert(rule: "Quiet host", hostname: "node-9"),
            routed,
            routed, // the same alert again: a repeat
            PipelineTestKit.Alert(rule: "Unwatched", hostname: "node-2"),
            PipelineTestKit.Alert(rule: "Storm", output: "1", fields: new { n = 1 }),
            PipelineTestKit.Alert(rule: "Storm", output: "2", fields: new { n = 2 }),
            PipelineTestKit.Alert(rule: "Storm", output: "3", fields: new { n = 3 }));

        await pipeline.HandleAsync(batch, CancellationToken.None);

        var byRow = _sink.Reported.ToDictionary(d => d.Notification.Origin!.InboxId);
        Assert.Equal(batch.Count, byRow.Count);
        PipelineDecision Only(int index) => Assert.Single(byRow[batch[index].Origin.InboxId].Decisions);

        Assert.Equal(new PipelineDecision("filter", DecisionKind.Dropped, "drop_rule"), Only(0));
        Assert.Equal(new PipelineDecision("silence", DecisionKind.Silenced, "maintenance-1"), Only(1));
        var sent = Only(2);
        Assert.Equal(DecisionKind.Routed, sent.Kind);
        Assert.Equal(["pager", "siem"], sent.Destinations.Order());
        Assert.Equal(new PipelineDecision("dedup", DecisionKind.Deduplicated, byRow[batch[2].Origin.InboxId].Notification.Fingerprint), Only(3));
        Assert.Equal(DecisionKind.Unrouted, Only(4).Kind);
        Assert.Equal(DecisionKind.Routed, Only(5).Kind);
        Assert.Equal(DecisionKind.Routed, Only(6).Kind);
        var held = Only(7);
        Assert.Equal(("aggregate", DecisionKind.Aggregated), (held.Stage, held.Kind));

        // The storm summary that alert went into carries the fingerprint the decision names, and is reported routed.
        _kit.Time.Advance(TimeSpan.FromMinutes(1));
        await pipeline.FlushDueAsync(_kit.Time.GetUtcNow(), CancellationToken.None);
        var summary = Assert.Single(_sink.Reported, d => d.Notification.Digest is not null);
        Assert.Equal(held.Detail, summary.Notification.Fingerprint);
        Assert.Equal(3, summary.Notification.Digest!.Count);
        Assert.Equal(DecisionKind.Routed, Assert.Single(summary.Decisions).Kind);
        // Enrichment is on what the sink gets.
        Assert.NotNull(byRow[batch[2].Origin.InboxId].Notification.Enrichment);
    }

    [Fact]
    public async Task A_sink_that_fails_fails_the_batch_so_it_is_handed_over_again()
    {
        _sink.Fail = true;
        var pipeline = Create(new InMemorySilenceStore(_kit.Time));
        var batch = TestInbox.Alerts(PipelineTestKit.Alert(rule: "Shell", priority: Priority.Critical));

        await Assert.ThrowsAsync<IOException>(() => pipeline.HandleAsync(batch, CancellationToken.None));
        _sink.Fail = false;
        await pipeline.HandleAsync(batch, CancellationToken.None);

        // Handled again as new (not a repeat of itself): routed, not deduplicated.
        Assert.Equal(DecisionKind.Routed, Assert.Single(Assert.Single(_sink.Reported).Decisions).Kind);
    }

    private sealed class RecordingSink : IAlertDecisionSink
    {
        public List<AlertDecisions> Reported { get; } = [];
        public bool Fail { get; set; }

        public Task RecordAsync(IReadOnlyList<AlertDecisions> decisions, CancellationToken cancellationToken)
        {
            if (Fail) throw new IOException("event store unavailable");
            Reported.AddRange(decisions);
            return Task.CompletedTask;
        }
    }
}
