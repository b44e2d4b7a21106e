using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Destinations;

/// <summary>
/// One entry of the named map <c>FalcoHook:Destinations</c>. Keys common to every type are here; a type
/// reads the keys it needs (Slack: Url, Channel, Username, IconEmoji; PagerDuty: RoutingKey, Region,
/// Severities; webhook: Url, Method, Headers, Secret).
/// </summary>
public sealed class DestinationOptions
{
    /// <summary><c>slack</c>, <c>pagerduty</c> or <c>webhook</c>.</summary>
    public string Type { get; set; } = "";

    /// <summary>Where to send; optional for PagerDuty (the region's Events API URL by default).</summary>
    public string? Url { get; set; }

    /// <summary>Alerts less severe than this are not sent here.</summary>
    public Priority MinimumPriority { get; set; } = Priority.Debug;

    /// <summary>Optional condition in Falco rule syntax over the alert's fields (source falco_alert).</summary>
    public string? Condition { get; set; }

    public bool Enabled { get; set; } = true;

    // Slack
    public string? Channel { get; set; }
    public string? Username { get; set; }
    public string? IconEmoji { get; set; }
    public string? IconUrl { get; set; }

    // PagerDuty
    public string? RoutingKey { get; set; }

    /// <summary><c>us</c> (default) or <c>eu</c>.</summary>
    public string Region { get; set; } = "us";

    /// <summary>Falco priority name to PagerDuty severity (critical, error, warning, info); defaults in code.</summary>
    public Dictionary<string, string> Severities { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    // Webhook
    /// <summary><c>POST</c> (default) or <c>PUT</c>.</summary>
    public string Method { get; set; } = "POST";

    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Standard Webhooks signing secret (<c>whsec_…</c>); signing is on when set.</summary>
    public string? Secret { get; set; }

    // Delivery
    public int MaxConcurrency { get; set; } = 4;

    /// <summary>Sends per second at most; 0 means no limit. Slack defaults to 1.</summary>
    public double? RatePerSecond { get; set; }

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}
