namespace FalcoHook.Core.Destinations.Splunk;

/// <summary>The keys of a <c>Type: splunk</c> destination besides the shared ones.</summary>
public sealed class SplunkSettings
{
    /// <summary>The HTTP Event Collector's base URL, e.g. <c>https://splunk.example:8088</c> (required); events go to its <c>/services/collector/event</c>.</summary>
    public string? Url { get; set; }

    /// <summary>The HEC token (required), sent as <c>Authorization: Splunk &lt;token&gt;</c>.</summary>
    public string? Token { get; set; }

    /// <summary>The index; unset means the token's default index.</summary>
    public string? Index { get; set; }

    public string SourceType { get; set; } = "falco";

    public string Source { get; set; } = "falcohook";
}
