using FalcoHook.Core.Configuration;
using FalcoHook.Core.Storage;
using Npgsql;
using FalcoHook.Core.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace FalcoHook.Api.Hosting;

public static class TelemetryExtensions
{
    /// <summary>.NET's own meter: thread pool, GC, heap, CPU and exceptions of the process (<c>dotnet_*</c> in <c>/metrics</c>).</summary>
    private const string RuntimeMeter = "System.Runtime";

    /// <summary>
    /// Metrics for ASP.NET Core, HttpClient, the .NET runtime and FalcoHook's own meter, always (<c>/metrics</c>); traces for the same
    /// and FalcoHook's activity source only when something receives them: the OTLP exporter
    /// (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c>) or <see cref="TelemetryOptions.Tracing"/>. Without either no tracer
    /// provider exists, so no request or pipeline stage builds a span that nobody exports.
    /// </summary>
    public static WebApplicationBuilder AddFalcoHookTelemetry(this WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        var root = configuration.GetSection(FalcoHookOptions.Section).Get<FalcoHookOptions>() ?? new FalcoHookOptions();
        var telemetry = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        var otlp = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);

        builder.Services.AddMetrics();
        builder.Services.AddSingleton<FalcoHookTelemetry>();
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                serviceName: configuration["OTEL_SERVICE_NAME"] ?? "falcohook",
                serviceInstanceId: root.InstanceName))
            .WithMetrics(metrics => metrics
                .AddMeter(FalcoHookTelemetry.Name, RuntimeMeter)
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation());
        var postgres = StorageOptions.IsPostgres(configuration.GetSection(StorageOptions.Section).Get<StorageOptions>()?.Provider ?? "");
        if (otlp || telemetry.Tracing)
            otel.WithTracing(tracing =>
            {
                tracing
                    .AddSource(FalcoHookTelemetry.Name)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation();
                // Npgsql's own spans (one per command), children of the request or pipeline span that ran them.
                if (postgres) tracing.AddNpgsql();
            });
        if (otlp) otel.UseOtlpExporter();
        return builder;
    }
}
