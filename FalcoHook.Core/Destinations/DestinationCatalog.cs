using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Destinations;

/// <summary>The configured destinations by name, with what the dispatcher derives from them.</summary>
public sealed class DestinationCatalog(IOptions<DestinationsOptions> options)
{
    public IReadOnlyDictionary<string, DestinationOptions> All => options.Value.Items;

    public bool TryGet(string name, out DestinationOptions destination) =>
        options.Value.Items.TryGetValue(name, out destination!);

    /// <summary>The configured rate, or the type's default: Slack allows about one message a second per webhook.</summary>
    public static double RatePerSecond(DestinationOptions d) =>
        d.RatePerSecond ?? (d.Type.Equals("slack", StringComparison.OrdinalIgnoreCase) ? 1 : 0);

    /// <summary>Where a destination's requests go: its Url, or for PagerDuty the region's Events API v2.</summary>
    public static Uri Endpoint(DestinationOptions d)
    {
        if (!string.IsNullOrWhiteSpace(d.Url)) return new Uri(d.Url, UriKind.Absolute);
        if (d.Type.Equals("pagerduty", StringComparison.OrdinalIgnoreCase))
            return d.Region.Trim().Equals("eu", StringComparison.OrdinalIgnoreCase)
                ? new Uri("https://events.eu.pagerduty.com/v2/enqueue")
                : new Uri("https://events.pagerduty.com/v2/enqueue");
        throw new InvalidOperationException($"Destination of type {d.Type} has no Url.");
    }

    /// <summary>The IHttpClientFactory name of a destination's client (one per destination: its own timeout).</summary>
    public static string HttpClientName(string destination) => "falcohook-destination:" + destination;
}
