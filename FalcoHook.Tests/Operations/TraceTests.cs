using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using FalcoHook.Api.Pipeline;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Pipeline;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace FalcoHook.Tests.Operations;

/// <summary>The FalcoHook activity source is static and listened to by name: these tests run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TraceCollection
{
    public const string Name = "Traces";
}

[Collection(TraceCollection.Name)]
public sealed class TraceTests
{
    private const string Body = """
        {"rule":"Ops traced shell","priority":"Critical","time":"2026-11-27T10:00:00Z","source":"syscall","hostname":"node-3",
         "output":"shell","output_fields":{"k8s.ns.name":"prod"}}
        """;

    /// <summary>The service with the pipeline (recording outbox) in place of the recording handler, spans kept in memory.</summary>
    private static (OperationsFactory Factory, List<Activity> Spans, RecordingOutbox Outbox) Start()
    {
        var spans = new List<Activity>();
        var outbox = new RecordingOutbox();
        var factory = new OperationsFactory();
        factory.WithServices(services =>
        {
            services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(spans));
            // The pipeline, unless hosting registers it already; its outbox records instead of storing.
            if (!services.Any(d => d.ServiceType == typeof(AlertPipeline))) services.AddAlertPipeline(new ConfigurationBuilder().Build());
            services.AddSingleton<IOutbox>(outbox);
        });
        return (factory, spans, outbox);
    }

    private static List<Activity> Snapshot(List<Activity> spans)
    {
        lock (spans) return [.. spans];
    }

    [Fact]
    public async Task An_alert_gives_an_ingest_request_span_and_pipeline_spans_per_stage()
    {
        var (factory, spans, _) = Start();
        using var host = factory;
        var response = await factory.CreateClient().PostAsync("/", new StringContent(Body, MediaTypeHeaderValue.Parse("application/json")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Eventually.TrueAsync(() => Snapshot(spans).Any(s => s.DisplayName == "pipeline") &&
                                          Snapshot(spans).Any(s => s.Source.Name == "Microsoft.AspNetCore"), "the request and pipeline spans");

        var all = Snapshot(spans);
        var request = Assert.Single(all, s => s.Source.Name == "Microsoft.AspNetCore" && Equals(s.GetTagItem("http.route"), "/"));
        Assert.Equal(ActivityKind.Server, request.Kind);
        Assert.Equal("POST", request.GetTagItem("http.request.method"));
        Assert.Equal(200, request.GetTagItem("http.response.status_code"));

        var pipeline = Assert.Single(all, s => s.Source.Name == "FalcoHook" && s.DisplayName == "pipeline");
        Assert.Equal(1, pipeline.GetTagItem("falcohook.pipeline.batch_size"));
        var stages = all.Where(s => s.Source.Name == "FalcoHook" && s.ParentSpanId == pipeline.SpanId)
            .Select(s => (string?)s.GetTagItem("falcohook.pipeline.stage")).ToList();
        Assert.Equal(["enrich", "filter", "silence", "dedup", "aggregate", "route"], stages);
        Assert.All(all.Where(s => s.ParentSpanId == pipeline.SpanId), s => Assert.Equal(pipeline.TraceId, s.TraceId));
    }

    [Fact(Skip = "Needs ingest to carry the request's ActivityContext through the inbox to the drain (FalcoHook.Core/Ingest, " +
                 "FalcoHook.Api/Ingest) and per-alert falco.* attributes on the pipeline span (FalcoHook.Core/Pipeline); " +
                 "see the trace-continuity patch in docs/OPERATING.md.")]
    public async Task One_trace_spans_ingest_and_pipeline_with_the_alerts_attributes()
    {
        var (factory, spans, _) = Start();
        using var host = factory;
        var response = await factory.CreateClient().PostAsync("/", new StringContent(Body, MediaTypeHeaderValue.Parse("application/json")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Eventually.TrueAsync(() => Snapshot(spans).Any(s => s.DisplayName == "pipeline") &&
                                          Snapshot(spans).Any(s => s.Source.Name == "Microsoft.AspNetCore"), "the request and pipeline spans");

        var all = Snapshot(spans);
        var request = Assert.Single(all, s => s.Source.Name == "Microsoft.AspNetCore" && Equals(s.GetTagItem("http.route"), "/"));
        var pipeline = Assert.Single(all, s => s.Source.Name == "FalcoHook" && s.DisplayName == "pipeline");
        // The drain's batch may hold alerts of several requests: each request is a link; a batch from one request
        // is also its child, so the common case shows as one trace.
        Assert.Contains(pipeline.Links, l => l.Context.TraceId == request.TraceId && l.Context.SpanId == request.SpanId);
        Assert.Equal(request.TraceId, pipeline.TraceId);
        Assert.Equal("Ops traced shell", pipeline.GetTagItem("falco.rule"));
        Assert.Equal("Critical", pipeline.GetTagItem("falco.priority"));
        Assert.Equal("syscall", pipeline.GetTagItem("falco.source"));
    }
}
