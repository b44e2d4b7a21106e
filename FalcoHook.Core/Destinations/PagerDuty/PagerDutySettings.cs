namespace FalcoHook.Core.Destinations.PagerDuty;

/// <summary>The keys of a <c>Type: pagerduty</c> destination besides the shared ones.</summary>
public sealed class PagerDutySettings
{
    /// <summary>Optional: the region's Events API v2 enqueue URL by default.</summary>
    public string? Url { get; set; }

    /// <summary>The integration's routing key (required, secret).</summary>
    public string? RoutingKey { get; set; }

    /// <summary><c>us</c> (default) or <c>eu</c>.</summary>
    public string Region { get; set; } = "us";

    /// <summary>Falco priority name to PagerDuty severity (critical, error, warning, info); defaults in code.</summary>
    public Dictionary<string, string> Severities { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
