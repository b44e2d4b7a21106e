using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using FalcoHook.Api.Pipeline;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Silences;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Core.Telemetry;
using FalcoHook.Tests.Pipeline;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
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

    /// <summary>The service with a recording outbox in place of the durable one, spans kept in memory.</summary>
    private static (FalcoHookFactory Factory, List<Activity> Spans, RecordingOutbox Outbox) Start()
    {
        var spans = new List<Activity>();
        var outbox = new RecordingOutbox();
        var factory = new FalcoHookFactory().WithSpansIn(spans).WithServices(services => services.AddSingleton<IOutbox>(outbox));
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
        Assert.Equal(["enrich", "filter", "inhibit", "silence", "dedup", "aggregate", "route"], stages);
        Assert.All(all.Where(s => s.ParentSpanId == pipeline.SpanId), s => Assert.Equal(pipeline.TraceId, s.TraceId));
    }

    [Fact]
    public async Task One_trace_spans_ingest_pipeline_and_delivery_with_the_alerts_attributes()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var spans = new List<Activity>();
        using var factory = new FalcoHookFactory();
        factory.With("FalcoHook:Destinations:siem:Type", "webhook")
            .With("FalcoHook:Destinations:siem:Url", receiver.Url("/siem"))
            .WithSpansIn(spans);

        var response = await factory.CreateClient().PostAsync("/", new StringContent(Body, MediaTypeHeaderValue.Parse("application/json")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var hook = Assert.Single(await receiver.WaitForRequestsAsync(1));
        await Eventually.TrueAsync(() => Snapshot(spans).Any(s => s.DisplayName == DeliveryDispatcher.AttemptSpanName) &&
                                          Snapshot(spans).Any(s => s.DisplayName == "pipeline") &&
                                          Snapshot(spans).Any(s => s.Source.Name == "Microsoft.AspNetCore"), "the request, pipeline and delivery spans");

        var all = Snapshot(spans);
        var request = Assert.Single(all, s => s.Source.Name == "Microsoft.AspNetCore" && Equals(s.GetTagItem("http.route"), "/"));
        var pipeline = Assert.Single(all, s => s.Source.Name == "FalcoHook" && s.DisplayName == "pipeline");
        var attempt = Assert.Single(all, s => s.Source.Name == "FalcoHook" && s.DisplayName == DeliveryDispatcher.AttemptSpanName);

        // The drain's batch may hold alerts of several requests: each request is a link; a batch from one request
        // is also its child, so the common case shows as one trace.
        Assert.Contains(pipeline.Links, l => l.Context.TraceId == request.TraceId && l.Context.SpanId == request.SpanId);
        Assert.Equal((request.TraceId, request.SpanId), (pipeline.TraceId, pipeline.ParentSpanId));
        Assert.Equal("Ops traced shell", pipeline.GetTagItem("falco.rule"));
        Assert.Equal("Critical", pipeline.GetTagItem("falco.priority"));
        Assert.Equal("syscall", pipeline.GetTagItem("falco.source"));
        Assert.Equal("node-3", pipeline.GetTagItem("falco.hostname"));

        // The delivery attempt continues the trace stored with its outbox row; the HTTP call to the webhook is its child.
        Assert.Equal((pipeline.TraceId, pipeline.SpanId), (attempt.TraceId, attempt.ParentSpanId));
        Assert.Equal("siem", attempt.GetTagItem("destination"));
        Assert.Equal("webhook", attempt.GetTagItem("destination.type"));
        Assert.Equal("delivered", attempt.GetTagItem("delivery.outcome"));
        Assert.Equal(200, attempt.GetTagItem("http.response.status_code"));
        Assert.Equal(hook.Header("webhook-id"), attempt.GetTagItem("delivery.id"));
        Assert.Equal(1, attempt.GetTagItem("delivery.attempt"));
        Assert.Equal("Ops traced shell", attempt.GetTagItem("falco.rule"));
        Assert.Equal("Critical", attempt.GetTagItem("falco.priority"));
        Assert.Contains(all, s => s.Kind == ActivityKind.Client && s.ParentSpanId == attempt.SpanId && s.TraceId == request.TraceId);
        Assert.Contains(request.TraceId.ToHexString(), hook.Header("traceparent"));
    }

    [Fact]
    public async Task A_batch_of_several_requests_links_each_and_each_delivery_continues_its_own_request()
    {
        var spans = new List<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "FalcoHook",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { lock (spans) spans.Add(activity); },
        };
        ActivitySource.AddActivityListener(listener);
        using var dir = new TempDirectory();
        using var meters = new TestMeterFactory();
        var store = new SqliteOutboxStore(new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={dir.File("falcohook.db")}" })));
        var pipeline = AlertPipeline.Create(new PipelineOptions(), new Dictionary<string, DestinationOptions> { ["siem"] = new() { Type = "webhook" } },
            new FalcoAlertConditionCompiler(), new InMemorySilenceStore(TimeProvider.System), new DurableOutbox(store, new DeliverySignal(TimeProvider.System), TimeProvider.System),
            TimeProvider.System, new PipelineTelemetry(meters));
        var requests = new[] { NewContext(), NewContext() };
        var entries = new[] { ("Shell in pod", requests[0]), ("Secret read", requests[1]) }.Select((e, i) =>
            new InboxEntry(i + 1, PipelineTestKit.Alert(rule: e.Item1)) { Received = PipelineTestKit.Start, TraceParent = TraceParent.Format(e.Item2) }).ToList();

        await pipeline.HandleAsync(TestInbox.FromRows(entries), CancellationToken.None);

        var span = Assert.Single(Snapshot(spans), s => s.DisplayName == "pipeline");
        Assert.Equal(requests.Select(TraceParent.Format).Order(), span.Links.Select(l => TraceParent.Format(l.Context)).Order());
        Assert.DoesNotContain(requests, r => r.TraceId == span.TraceId);
        Assert.Null(span.GetTagItem("falco.rule"));
        Assert.Equal(["Shell in pod", "Secret read"], span.Events.Where(e => e.Name == "alert").Select(e => e.Tags.Single(t => t.Key == "falco.rule").Value));
        // A mixed batch's span is in no request's trace: each delivery continues its own request's.
        var deliveries = (await store.ListAsync(new DeliveryQuery(), CancellationToken.None)).Items;
        Assert.Equal(TraceParent.Format(requests[0]), Assert.Single(deliveries, d => d.NotificationJson.Contains("Shell in pod")).TraceParent);
        Assert.Equal(TraceParent.Format(requests[1]), Assert.Single(deliveries, d => d.NotificationJson.Contains("Secret read")).TraceParent);
    }

    private static ActivityContext NewContext() => new(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded);
}
