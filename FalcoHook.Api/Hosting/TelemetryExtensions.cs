using FalcoHook.Core.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FalcoHook.Api.Hosting;

public static class TelemetryExtensions
{
    /// <summary>
    /// Traces and metrics for ASP.NET Core, HttpClient and FalcoHook's own source and meter; exported by
    /// OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
    /// </summary>
    /// <remarks>
    /// Spans are made only when something receives them: the OTLP exporter, or tracer configuration the host adds
    /// after this (<c>services.ConfigureOpenTelemetryTracerProvider(…)</c>, e.g. an in-memory exporter). Without
    /// either, the tracer provider is a no-op, so no listener makes every request and pipeline stage build, tag
    /// and sample a span that nobody exports. Metrics are always on (<c>/metrics</c>).
    /// </remarks>
    public static WebApplicationBuilder AddFalcoHookTelemetry(this WebApplicationBuilder builder)
    {
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<FalcoHookTelemetry>();
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                serviceName: builder.Configuration["OTEL_SERVICE_NAME"] ?? "falcohook",
                serviceInstanceId: builder.Configuration["FalcoHook:InstanceName"]))
            .WithTracing(tracing => tracing
                .AddSource(FalcoHookTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter(FalcoHookTelemetry.Name)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation());
        var otlp = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (otlp) otel.UseOtlpExporter();
        if (!otlp) builder.Services.TraceOnlyWhenConfiguredLater();
        return builder;
    }

    /// <summary>
    /// OpenTelemetry's record of one <c>ConfigureOpenTelemetryTracerProvider</c> call (internal to
    /// OpenTelemetry.Api.ProviderBuilderExtensions; a test checks it is found). Null: tracing is always on, as before.
    /// </summary>
    internal static readonly Type? TracerConfigurationType =
        typeof(TracerProviderBuilder).Assembly.GetType("OpenTelemetry.Trace.IConfigureTracerProviderBuilder") ??
        Type.GetType("OpenTelemetry.Trace.IConfigureTracerProviderBuilder, OpenTelemetry.Api.ProviderBuilderExtensions");

    /// <summary>
    /// Makes the <see cref="TracerProvider"/> a no-op unless tracer configuration is registered after this call (each
    /// <c>ConfigureOpenTelemetryTracerProvider</c> call adds one), decided when the provider is first resolved.
    /// </summary>
    internal static void TraceOnlyWhenConfiguredLater(this IServiceCollection services)
    {
        if (TracerConfigurationType is not { } configuration) return;
        var ours = services.Count(d => d.ServiceType == configuration);
        var registered = services.LastOrDefault(d => d.ServiceType == typeof(TracerProvider));
        if (registered?.ImplementationFactory is not { } build) return;
        services.Remove(registered);
        services.AddSingleton(sp => sp.GetServices(configuration).Count() > ours ? (TracerProvider)build(sp) : new NoTracing());
    }

    /// <summary>The tracer provider when nothing receives spans: it listens to no source.</summary>
    internal sealed class NoTracing : TracerProvider;
}
