namespace FalcoHook.Core.Destinations.Alertmanager;

/// <summary>The keys of a <c>Type: alertmanager</c> destination besides the shared ones.</summary>
public sealed class AlertmanagerSettings
{
    /// <summary>
    /// The Alertmanagers, e.g. both members of an HA pair (<c>http://am-0:9093</c>); each gets every alert. A URL without
    /// a path gets <c>/api/v2/alerts</c>; one with a path (behind a proxy) is used as it is.
    /// </summary>
    public List<string> Urls { get; set; } = [];

    /// <summary>One more Alertmanager URL (the key every type has), added to <see cref="Urls"/>.</summary>
    public string? Url { get; set; }

    /// <summary><c>endsAt</c> = the alert's time + this: Alertmanager resolves the alert then unless it is sent again.</summary>
    public TimeSpan ExpiresAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Labels added to every alert (they do not replace the alert's own).</summary>
    public Dictionary<string, string> ExtraLabels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Annotations added to every alert (they do not replace summary, description and info).</summary>
    public Dictionary<string, string> ExtraAnnotations { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Extra request headers (e.g. <c>Authorization</c> for a proxy in front); their values are secrets.</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every configured URL, <see cref="Urls"/> then <see cref="Url"/>, without repeats.</summary>
    public IEnumerable<string> AllUrls() =>
        Urls.Append(Url ?? "").Where(u => !string.IsNullOrWhiteSpace(u)).Select(u => u.Trim()).Distinct(StringComparer.Ordinal);

    /// <summary>Where alerts are posted on the Alertmanager at <paramref name="url"/>.</summary>
    public static Uri AlertsEndpoint(string url)
    {
        var uri = new Uri(url, UriKind.Absolute);
        return uri.AbsolutePath is "" or "/" ? new Uri(uri, "/api/v2/alerts") : uri;
    }
}
