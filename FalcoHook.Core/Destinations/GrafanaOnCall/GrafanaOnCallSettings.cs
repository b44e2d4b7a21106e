namespace FalcoHook.Core.Destinations.GrafanaOnCall;

/// <summary>The keys of a <c>Type: grafanaoncall</c> destination besides the shared ones.</summary>
public sealed class GrafanaOnCallSettings
{
    /// <summary>The integration's webhook URL (required; the URL is the credential).</summary>
    public string? Url { get; set; }

    /// <summary>Extra request headers; their values are secrets.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
