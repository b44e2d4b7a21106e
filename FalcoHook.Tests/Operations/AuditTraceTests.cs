using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using FalcoHook.Tests.Support;
using OpenTelemetry.Trace;

namespace FalcoHook.Tests.Operations;

[Collection(TraceCollection.Name)]
public sealed class AuditTraceTests
{
    [Fact]
    public async Task An_audit_batch_is_one_trace_from_the_request_through_rule_evaluation_and_the_pipeline_to_delivery()
    {
        await using var webhook = await FakeReceiver.StartAsync();
        var spans = new List<Activity>();
        using var factory = new FalcoHookFactory()
            .With("FalcoHook:Destinations:siem:Type", "webhook")
            .With("FalcoHook:Destinations:siem:Url", webhook.Url("/traced"))
            .WithSpansIn(spans);
        var fixture = File.ReadAllText(Path.Combine(SharedCorpus.RepositoryRoot, "FalcoHook.Tests", "K8sAudit", "Fixtures", "pod-exec-or-attach.fires.json"));

        var response = await factory.CreateClient().PostAsync("/k8s-audit", new StringContent(fixture, MediaTypeHeaderValue.Parse("application/json")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await webhook.WaitForRequestsAsync(1);
        List<Activity> Snapshot() { lock (spans) return [.. spans]; }
        await Eventually.TrueAsync(() => Snapshot().Any(s => s.DisplayName == "delivery attempt"), "the delivery attempt span");

        var all = Snapshot();
        var request = Assert.Single(all, s => s.Source.Name == "Microsoft.AspNetCore" && Equals(s.GetTagItem("http.route"), "/k8s-audit"));
        var evaluate = Assert.Single(all, s => s.DisplayName == "rules evaluate");
        Assert.Equal(request.TraceId, evaluate.TraceId);
        Assert.Equal("K8s Pod Exec or Attach", evaluate.GetTagItem("falco.rule"));
        Assert.Equal("k8s_audit", evaluate.GetTagItem("falco.source"));
        var pipeline = Assert.Single(all, s => s.DisplayName == "pipeline");
        Assert.Equal(request.TraceId, pipeline.TraceId);
        Assert.Equal("K8s Pod Exec or Attach", pipeline.GetTagItem("falco.rule"));
        var attempt = Assert.Single(all, s => s.DisplayName == "delivery attempt");
        Assert.Equal(request.TraceId, attempt.TraceId);
        Assert.Equal("siem", attempt.GetTagItem("destination"));
    }
}
