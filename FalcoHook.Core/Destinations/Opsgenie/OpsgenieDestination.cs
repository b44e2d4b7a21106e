using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Destinations.Opsgenie;

/// <summary>
/// <c>Type: opsgenie</c>, the Alert API v2 "Create Alert" (https://docs.opsgenie.com/docs/alert-api, field limits
/// from https://docs.opsgenie.com/docs/alerts-and-alert-fields): <c>ApiKey</c> required and secret; requests go to
/// the region's <c>/v2/alerts</c> (<c>us</c> or <c>eu</c>) unless <c>Url</c> says otherwise.
/// </summary>
public sealed class OpsgenieDestination : DestinationType<OpsgenieSettings, OpsgenieSender>
{
    public static readonly Uri UsEndpoint = new("https://api.opsgenie.com/v2/alerts");
    public static readonly Uri EuEndpoint = new("https://api.eu.opsgenie.com/v2/alerts");

    public override string Name => "opsgenie";

    public override IEnumerable<string> Validate(OpsgenieSettings settings, string at)
    {
        foreach (var error in CheckUrl(settings.Url, at, required: false)) yield return error;
        if (string.IsNullOrWhiteSpace(settings.ApiKey)) yield return $"{at}:ApiKey is required for type opsgenie";
        if (settings.Region.Trim().ToLowerInvariant() is not ("us" or "eu")) yield return $"{at}:Region must be us or eu (got '{settings.Region}')";
        foreach (var (priority, opsgenie) in settings.Priorities)
        {
            if (!Alerts.Priorities.TryParse(priority, out _)) yield return $"{at}:Priorities:{priority} is not a Falco priority";
            if (opsgenie.Trim().ToUpperInvariant() is not ("P1" or "P2" or "P3" or "P4" or "P5"))
                yield return $"{at}:Priorities:{priority} must be P1, P2, P3, P4 or P5 (got '{opsgenie}')";
        }
        for (var i = 0; i < settings.Teams.Count; i++)
            if (string.IsNullOrWhiteSpace(settings.Teams[i])) yield return $"{at}:Teams:{i} must not be empty";
    }

    public override Uri Endpoint(OpsgenieSettings settings) =>
        !string.IsNullOrWhiteSpace(settings.Url) ? new Uri(settings.Url, UriKind.Absolute)
        : settings.Region.Trim().Equals("eu", StringComparison.OrdinalIgnoreCase) ? EuEndpoint
        : UsEndpoint;

    public override IEnumerable<string> Secrets(OpsgenieSettings settings)
    {
        if (!string.IsNullOrEmpty(settings.ApiKey)) yield return settings.ApiKey;
        foreach (var secret in Redaction.UrlSecrets(settings.Url)) yield return secret;
    }

    /// <summary>Falcosidekick's map: emergency and alert P1, critical P2, error P3, warning P4, the rest P5.</summary>
    public static string PriorityOf(Priority priority, OpsgenieSettings settings)
    {
        foreach (var (name, mapped) in settings.Priorities)
            if (Alerts.Priorities.TryParse(name, out var p) && p == priority) return mapped.Trim().ToUpperInvariant();
        return priority switch
        {
            Priority.Emergency or Priority.Alert => "P1",
            Priority.Critical => "P2",
            Priority.Error => "P3",
            Priority.Warning => "P4",
            _ => "P5",
        };
    }
}
