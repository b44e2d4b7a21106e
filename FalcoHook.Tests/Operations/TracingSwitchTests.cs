using System.Diagnostics;
using FalcoHook.Core.Telemetry;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace FalcoHook.Tests.Operations;

/// <summary>Spans are made only when something receives them; the trace tests cover the spans themselves.</summary>
[Collection(TraceCollection.Name)]
public sealed class TracingSwitchTests
{
    [Fact]
    public async Task Without_an_exporter_or_the_tracing_key_no_tracer_provider_exists_and_no_span_is_made()
    {
        var spans = new List<Activity>();
        using var factory = new FalcoHookFactory()
            .WithServices(s => s.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans)));
        var client = factory.CreateClient();

        Assert.Null(factory.Services.GetService<TracerProvider>());
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        lock (spans) Assert.Empty(spans);
    }

    [Fact]
    public async Task The_tracing_key_turns_tracing_on_for_the_hosts_exporter()
    {
        var spans = new List<Activity>();
        using var factory = new FalcoHookFactory().WithSpansIn(spans);
        var client = factory.CreateClient();

        Assert.NotNull(factory.Services.GetService<TracerProvider>());
        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/healthz")).StatusCode);
        await Eventually.TrueAsync(() => { lock (spans) return spans.Any(s => Equals(s.GetTagItem("http.route"), "/healthz")); }, "the /healthz span");
        Assert.True(FalcoHookTelemetry.ActivitySource.HasListeners());
    }
}
