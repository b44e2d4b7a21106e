namespace FalcoHook.Core.Destinations.Datadog;

/// <summary>The keys of a <c>Type: datadog</c> destination besides the shared ones.</summary>
public sealed class DatadogSettings
{
    /// <summary>The Datadog site (region): datadoghq.com, us3.datadoghq.com, us5.datadoghq.com, datadoghq.eu, ap1.datadoghq.com, ap2.datadoghq.com, uk1.datadoghq.com, ddog-gov.com or us2.ddog-gov.com.</summary>
    public string Site { get; set; } = "datadoghq.com";

    /// <summary>The full intake URL instead of the site's (a proxy); optional.</summary>
    public string? Url { get; set; }

    /// <summary>The API key (required), sent as <c>DD-API-KEY</c>.</summary>
    public string? ApiKey { get; set; }

    public string Service { get; set; } = "falco";

    /// <summary>Tags added to every log (<c>env:prod</c>…), besides <c>priority:</c>, <c>rule:</c> and the alert's tags.</summary>
    public List<string> Tags { get; set; } = [];
}
