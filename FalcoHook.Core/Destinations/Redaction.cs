namespace FalcoHook.Core.Destinations;

/// <summary>
/// Keeps secrets out of logs, stored errors and API answers: a URL keeps only scheme, host and port
/// (like Alertmanager's RedactURL), and known secrets of a destination are masked in any text.
/// </summary>
public static class Redaction
{
    public const string Mask = "<redacted>";

    /// <summary><c>https://hooks.slack.com/&lt;redacted&gt;</c>: the path and query of a webhook URL are its secret.</summary>
    public static string Url(string? url)
    {
        if (string.IsNullOrWhiteSpace(url)) return "";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) return Mask;
        var root = uri.GetLeftPart(UriPartial.Authority);
        if (!string.IsNullOrEmpty(uri.UserInfo)) root = root.Replace(uri.UserInfo + "@", "", StringComparison.Ordinal);
        return uri.PathAndQuery is "/" or "" ? root : root + "/" + Mask;
    }

    public static string Url(Uri uri) => Url(uri.ToString());

    /// <summary>Masks every secret of <paramref name="destination"/> found in <paramref name="text"/>.</summary>
    public static string Scrub(string text, DestinationOptions destination)
    {
        foreach (var secret in Secrets(destination).Distinct().OrderByDescending(s => s.Length))
            if (secret.Length >= 4) text = text.Replace(secret, Mask, StringComparison.OrdinalIgnoreCase);
        return text;
    }

    /// <summary>Masks the secrets of every destination (an error body may echo anything).</summary>
    public static string Scrub(string text, IEnumerable<DestinationOptions> destinations)
    {
        foreach (var secret in destinations.SelectMany(Secrets).Distinct().OrderByDescending(s => s.Length))
            if (secret.Length >= 4) text = text.Replace(secret, Mask, StringComparison.OrdinalIgnoreCase);
        return text;
    }

    private static IEnumerable<string> Secrets(DestinationOptions d)
    {
        if (!string.IsNullOrEmpty(d.RoutingKey)) yield return d.RoutingKey;
        if (!string.IsNullOrEmpty(d.Secret))
        {
            yield return d.Secret;
            if (d.Secret.StartsWith("whsec_", StringComparison.Ordinal)) yield return d.Secret["whsec_".Length..];
        }
        if (!string.IsNullOrEmpty(d.Url) && Uri.TryCreate(d.Url, UriKind.Absolute, out var uri))
        {
            yield return d.Url;
            if (uri.PathAndQuery.Length > 1) yield return uri.PathAndQuery;
            foreach (var segment in uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries))
                if (segment.Length >= 8) yield return segment;
            foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var value = pair.Split('=', 2) is [_, var v] ? Uri.UnescapeDataString(v) : "";
                if (value.Length >= 4) yield return value;
            }
        }
        foreach (var value in d.Headers.Values)
            if (!string.IsNullOrEmpty(value)) yield return value;
    }
}
