namespace FalcoHook.Core.Destinations.Otlp;

/// <summary>The keys of a <c>Type: otlp</c> destination besides the shared ones.</summary>
public sealed class OtlpSettings
{
    /// <summary>
    /// The collector's OTLP/HTTP base URL, e.g. <c>http://otel-collector:4318</c>: logs go to its <c>/v1/logs</c>
    /// (a URL already ending in <c>/v1/logs</c> is used as it is). Required.
    /// </summary>
    public string? Url { get; set; }

    /// <summary>Request headers, e.g. <c>Authorization</c> or a vendor's API key header (values secret).</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The resource's <c>service.name</c>.</summary>
    public string ServiceName { get; set; } = "falcohook";

    /// <summary>More resource attributes, e.g. <c>deployment.environment.name: prod</c>.</summary>
    public Dictionary<string, string> ResourceAttributes { get; set; } = new(StringComparer.Ordinal);
}
