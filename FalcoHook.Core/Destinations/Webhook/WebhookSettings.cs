namespace FalcoHook.Core.Destinations.Webhook;

/// <summary>The keys of a <c>Type: webhook</c> destination besides the shared ones.</summary>
public sealed class WebhookSettings
{
    /// <summary>Where to send (required).</summary>
    public string? Url { get; set; }

    /// <summary><c>POST</c> (default) or <c>PUT</c>.</summary>
    public string Method { get; set; } = "POST";

    /// <summary>Extra request headers; their values are treated as secrets.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Standard Webhooks signing secret (<c>whsec_…</c>); signing is on when set.</summary>
    public string? Secret { get; set; }
}
