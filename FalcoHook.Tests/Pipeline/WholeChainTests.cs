using FalcoHook.Api.Pipeline;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Silences;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;

namespace FalcoHook.Tests.Pipeline;

/// <summary>The real alerts of the shared conformance corpus through the whole pipeline, as composed for production.</summary>
public sealed class WholeChainTests : IDisposable
{
    private readonly PipelineTestKit _kit = new();

    public void Dispose() => _kit.Dispose();

    private static IReadOnlyList<FalcoAlert> CorpusAlerts()
    {
        var alerts = new List<FalcoAlert>();
        foreach (var file in Directory.GetFiles(SharedCorpus.Conformance("alerts"), "*.jsonl").Order(StringComparer.Ordinal))
        {
            var result = AlertReader.ReadNdjson(File.ReadAllBytes(file));
            Assert.True(result.Ok, $"{file}: {string.Join("; ", result.Errors)}");
            alerts.AddRange(result.Alerts);
        }
        return alerts;
    }

    private AlertPipeline Create(ISilenceStore? silences = null) => AlertPipeline.Create(
        new PipelineOptions { Drop = ["ka.uri = /readyz"], Enrich = { CustomFields = { ["cluster"] = "test" } } },
        new Dictionary<string, DestinationOptions>
        {
            ["slack"] = new() { Type = "slack", MinimumPriority = Priority.Warning },
            ["pd"] = new() { Type = "pagerduty", MinimumPriority = Priority.Critical },
            ["siem"] = new() { Type = "webhook", Condition = "falco.source = k8s_audit" },
        },
        _kit.Compiler, silences ?? new InMemorySilenceStore(_kit.Time), _kit.Outbox, _kit.Time, _kit.Telemetry);

    [Fact]
    public async Task Corpus_alerts_are_enriched_filtered_deduplicated_and_routed()
    {
        var alerts = CorpusAlerts();
        Assert.Equal(11, alerts.Count);

        await Create().HandleAsync(TestInbox.Alerts(alerts), CancellationToken.None);

        var received = _kit.Outbox.Received;
        Assert.Equal(["Anonymous Request Allowed", "Terminal shell in container", "open_from_cat"],
            received.Select(r => r.Notification.Alert.Rule).Order(StringComparer.Ordinal));
        Assert.Equal(1, _kit.Metrics.Total("falcohook.pipeline.dropped", "drop_rule")); // /readyz
        Assert.Equal(7, _kit.Metrics.Total("falcohook.pipeline.deduplicated")); // 8 open_from_cat differing only in evt.time.iso8601

        var shell = received.Single(r => r.Notification.Alert.Rule == "Terminal shell in container");
        Assert.Equal(["pd", "slack"], shell.Destinations);
        var enrichment = shell.Notification.Enrichment!;
        Assert.Equal("Critical", enrichment.Severity);
        Assert.Equal("execution", enrichment.Category);
        Assert.Equal("test", enrichment.CustomFields["cluster"]);
        Assert.Equal(new Dictionary<string, string>
        {
            ["process"] = "sh -c clear; (bash || ash || sh)", ["user"] = "root", ["container"] = "ee97d9c4186f",
            ["image"] = "docker.io/library/alpine", ["namespace"] = "default", ["pod"] = "kubecon",
        }, enrichment.Indicators);

        var cat = received.Single(r => r.Notification.Alert.Rule == "open_from_cat");
        Assert.Equal(["slack"], cat.Destinations);
        Assert.Equal("filesystem", cat.Notification.Enrichment!.Category);
        Assert.Equal("Medium", cat.Notification.Enrichment.Severity);

        var audit = received.Single(r => r.Notification.Alert.Rule == "Anonymous Request Allowed");
        Assert.Equal(["siem", "slack"], audit.Destinations);
        Assert.Equal("/livez", audit.Notification.Alert.OutputFields!["ka.uri"].GetString());
        Assert.Equal("system:anonymous", audit.Notification.Enrichment!.Indicators["k8s_user"]);
    }

    [Fact]
    public async Task Silenced_corpus_alerts_are_counted_not_sent()
    {
        var silences = new InMemorySilenceStore(_kit.Time);
        var now = _kit.Time.GetUtcNow();
        await silences.AddAsync(new Silence
        {
            Id = "s1", StartsAt = now, EndsAt = now.AddHours(1), CreatedBy = "test",
            Matchers = [SilenceMatcher.Create("falco.hostname", MatchOperator.Regex, "test-.*"), SilenceMatcher.Create("proc.cmdline", MatchOperator.Equal, "cat /dev/null")],
        }, CancellationToken.None);

        await Create(silences).HandleAsync(TestInbox.Alerts(CorpusAlerts()), CancellationToken.None);

        Assert.DoesNotContain(_kit.Outbox.Received, r => r.Notification.Alert.Rule == "open_from_cat");
        Assert.Equal(8, _kit.Metrics.Total("falcohook.pipeline.silenced"));
        Assert.Equal(2, _kit.Outbox.Received.Count);
    }

    [Fact]
    public async Task Flush_service_sends_a_storm_summary_when_the_window_closes_without_further_alerts()
    {
        var pipeline = Create();
        using var service = new AggregateFlushService(pipeline, _kit.Time, NullLogger<AggregateFlushService>.Instance);
        await service.StartAsync(CancellationToken.None);
        var storm = Enumerable.Range(0, 30).Select(i => PipelineTestKit.Alert(priority: Priority.Critical,
            fields: new Dictionary<string, object> { ["proc.pid"] = i })).ToList();
        await pipeline.HandleAsync(TestInbox.Alerts(storm), CancellationToken.None);
        Assert.Equal(20, _kit.Outbox.Received.Count);

        // The service starts its timer on its own thread: tick the fake clock a second at a time until the summary
        // arrives. Nothing may be sent before the window's end.
        await Eventually.SteppingAsync(() => _kit.Outbox.Received.Count >= 21, () =>
        {
            if (_kit.Time.GetUtcNow() < PipelineTestKit.Start.AddMinutes(1)) Assert.Equal(20, _kit.Outbox.Received.Count);
            _kit.Time.Advance(TimeSpan.FromSeconds(1));
        }, "the storm summary after the window", maxSteps: 300);
        var summary = Assert.Single(_kit.Outbox.Received, r => r.Notification.Digest is not null);
        Assert.Equal(FalcoTime.FromDateTimeOffset(PipelineTestKit.Start.AddMinutes(1)), summary.Notification.Alert.Time);
        Assert.Equal(30, summary.Notification.Digest!.Count);
        Assert.Equal(["pd", "slack"], summary.Destinations);
        await service.StopAsync(CancellationToken.None);
    }
}
