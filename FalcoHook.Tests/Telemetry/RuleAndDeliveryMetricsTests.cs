using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Ingest;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FalcoHook.Tests.Telemetry;

public sealed class RuleAndDeliveryMetricsTests
{
    private static readonly string Fixtures = Path.Combine(SharedCorpus.RepositoryRoot, "FalcoHook.Tests", "K8sAudit", "Fixtures");

    [Fact]
    public async Task Rule_evaluations_and_matches_delivery_latency_outbox_depth_and_inbox_lag_are_measured()
    {
        await using var webhook = await FakeReceiver.StartAsync();
        using var factory = new FalcoHookFactory()
            .With("FalcoHook:Destinations:siem:Type", "webhook")
            .With("FalcoHook:Destinations:siem:Url", webhook.Url("/ok"))
            .With("FalcoHook:Destinations:down:Type", "webhook")
            .With("FalcoHook:Destinations:down:Url", "http://127.0.0.1:9/")
            .With("FalcoHook:Delivery:InitialBackoff", "01:00:00")
            .With("FalcoHook:Delivery:MaxBackoff", "01:00:00");
        var client = factory.CreateClient();
        using var metrics = new MetricRecorder(factory.Services.GetRequiredService<IMeterFactory>());

        var exec = File.ReadAllText(Path.Combine(Fixtures, "pod-exec-or-attach.fires.json"));
        var quiet = File.ReadAllText(Path.Combine(Fixtures, "pod-exec-or-attach.quiet.json"));
        var body = $$"""{"kind":"EventList","items":[{{exec}},{{quiet}}]}""";
        var response = await client.PostAsync("/k8s-audit", new StringContent(body, MediaTypeHeaderValue.Parse("application/json")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        Assert.Equal(2, metrics.Sum("falcohook.rules.evaluations", ("source", "k8s_audit")));
        Assert.Equal(1, metrics.Sum("falcohook.rules.matches", ("rule", "K8s Pod Exec or Attach"), ("source", "k8s_audit")));

        await webhook.WaitForRequestsAsync(1);
        await Eventually.TrueAsync(() => metrics.Count("falcohook.delivery.latency", ("destination", "siem")) == 1, "the delivery latency");

        // The unreachable destination keeps its delivery pending (its next attempt is an hour away).
        var gauges = factory.Services.GetServices<IHostedService>().OfType<StorageGaugeService>().Single();
        var lag = factory.Services.GetServices<IHostedService>().OfType<InboxLagService>().Single();
        await Eventually.TrueAsync(() =>
        {
            gauges.RefreshAsync(CancellationToken.None).GetAwaiter().GetResult();
            return metrics.Observe("falcohook.outbox.depth", ("state", "pending")) == 1;
        }, "one pending delivery in the outbox depth");
        // The handled row goes once the history has stored its event (the drain's barrier): then no row waits.
        await Eventually.TrueAsync(() =>
        {
            lag.RefreshAsync(CancellationToken.None).GetAwaiter().GetResult();
            return metrics.Observe("falcohook.inbox.lag") == 0;
        }, "no inbox lag once the row is deleted");
    }
}
