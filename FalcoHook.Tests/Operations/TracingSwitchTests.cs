using FalcoHook.Api.Hosting;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace FalcoHook.Tests.Operations;

/// <summary>Spans are made only when something receives them (an exporter); the trace tests cover the spans themselves.</summary>
[Collection(TraceCollection.Name)]
public sealed class TracingSwitchTests
{
    [Fact]
    public void OpenTelemetrys_record_of_tracer_configuration_is_found()
    {
        // Without it tracing would silently stay on for every request (the behaviour before the switch).
        Assert.NotNull(TelemetryExtensions.TracerConfigurationType);
        Assert.True(TelemetryExtensions.TracerConfigurationType!.IsInterface);
    }

    [Fact]
    public void Without_an_exporter_the_tracer_provider_listens_to_nothing()
    {
        using var factory = new FalcoHookFactory();
        _ = factory.CreateClient();
        Assert.IsType<TelemetryExtensions.NoTracing>(factory.Services.GetRequiredService<TracerProvider>());
    }

    [Fact]
    public void Tracer_configuration_added_by_the_host_turns_tracing_on()
    {
        var spans = new List<System.Diagnostics.Activity>();
        using var factory = new FalcoHookFactory()
            .WithServices(s => s.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans)));
        _ = factory.CreateClient();
        var provider = factory.Services.GetRequiredService<TracerProvider>();
        Assert.IsNotType<TelemetryExtensions.NoTracing>(provider);
    }
}
