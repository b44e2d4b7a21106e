using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Destinations.PagerDuty;

/// <summary>
/// <c>Type: pagerduty</c>, the Events API v2: <c>RoutingKey</c> required and secret; requests go to the region's
/// enqueue URL (<c>us</c> or <c>eu</c>) unless <c>Url</c> says otherwise.
/// </summary>
public sealed class PagerDutyDestination : DestinationType<PagerDutySettings, PagerDutySender>
{
    public static readonly Uri UsEndpoint = new("https://events.pagerduty.com/v2/enqueue");
    public static readonly Uri EuEndpoint = new("https://events.eu.pagerduty.com/v2/enqueue");

    private static readonly string[] Severities = ["critical", "error", "warning", "info"];

    public override string Name => "pagerduty";

    public override IEnumerable<string> Validate(PagerDutySettings settings, string at)
    {
        foreach (var error in CheckUrl(settings.Url, at, required: false)) yield return error;
        if (string.IsNullOrWhiteSpace(settings.RoutingKey)) yield return $"{at}:RoutingKey is required for type pagerduty";
        if (settings.Region.Trim().ToLowerInvariant() is not ("us" or "eu")) yield return $"{at}:Region must be us or eu (got '{settings.Region}')";
        foreach (var (priority, severity) in settings.Severities)
        {
            if (!Priorities.TryParse(priority, out _)) yield return $"{at}:Severities:{priority} is not a Falco priority";
            if (!Severities.Contains(severity.Trim().ToLowerInvariant()))
                yield return $"{at}:Severities:{priority} must be critical, error, warning or info (got '{severity}')";
        }
    }

    public override Uri Endpoint(PagerDutySettings settings) =>
        !string.IsNullOrWhiteSpace(settings.Url) ? new Uri(settings.Url, UriKind.Absolute)
        : settings.Region.Trim().Equals("eu", StringComparison.OrdinalIgnoreCase) ? EuEndpoint
        : UsEndpoint;

    public override IEnumerable<string> Secrets(PagerDutySettings settings)
    {
        if (!string.IsNullOrEmpty(settings.RoutingKey)) yield return settings.RoutingKey;
        foreach (var secret in Redaction.UrlSecrets(settings.Url)) yield return secret;
    }
}
