namespace FalcoHook.Api.Hosting;

/// <summary><c>FalcoHook:Telemetry</c>: read once while the host is built.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "FalcoHook:Telemetry";

    /// <summary>
    /// Make spans (ASP.NET Core, HttpClient and FalcoHook's own) even without an OTLP endpoint, for tracer
    /// configuration the host adds (an in-memory exporter in tests). Tracing is on anyway when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; with neither, no span is built.
    /// </summary>
    public bool Tracing { get; set; }
}
