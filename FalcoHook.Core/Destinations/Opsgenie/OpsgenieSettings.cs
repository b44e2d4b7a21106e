namespace FalcoHook.Core.Destinations.Opsgenie;

/// <summary>The keys of a <c>Type: opsgenie</c> destination besides the shared ones.</summary>
public sealed class OpsgenieSettings
{
    /// <summary>Optional: the region's <c>/v2/alerts</c> URL by default.</summary>
    public string? Url { get; set; }

    /// <summary>The API integration's key (required, secret), sent as <c>Authorization: GenieKey &lt;key&gt;</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary><c>us</c> (default, api.opsgenie.com) or <c>eu</c> (api.eu.opsgenie.com).</summary>
    public string Region { get; set; } = "us";

    /// <summary>Falco priority name to Opsgenie priority (P1…P5); defaults in code.</summary>
    public Dictionary<string, string> Priorities { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Teams the alert is routed to (<c>responders</c> of type team).</summary>
    public List<string> Teams { get; set; } = [];

    /// <summary>Tags added to every alert, before the alert's own.</summary>
    public List<string> Tags { get; set; } = [];
}
