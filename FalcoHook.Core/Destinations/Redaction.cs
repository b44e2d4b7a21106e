namespace FalcoHook.Core.Destinations;

/// <summary>
/// Keeps secrets out of logs, stored errors and API answers: a URL keeps only scheme, host and port
/// (like Alertmanager's RedactURL), and the secrets each destination's type names are masked in any text.
/// </summary>
public static class Redaction
{
    public const string Mask = "<redacted>";

    /// <summary>Shorter values are not masked (they would mask ordinary words).</summary>
    public const int MinSecretLength = 4;

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
    public static string Scrub(string text, ConfiguredDestination destination) => Scrub(text, destination.Secrets);

    /// <summary>Masks the secrets of every destination (an error body may echo anything).</summary>
    public static string Scrub(string text, IEnumerable<ConfiguredDestination> destinations) =>
        Scrub(text, destinations.SelectMany(d => d.Secrets).Distinct().OrderByDescending(s => s.Length));

    private static string Scrub(string text, IEnumerable<string> secrets)
    {
        var masked = secrets.Where(s => s.Length >= MinSecretLength).ToList();
        foreach (var secret in masked) text = text.Replace(secret, Mask, StringComparison.OrdinalIgnoreCase);
        return text.EndsWith(Cut) ? MaskCutSecret(text, masked) : text;
    }

    /// <summary>The mark of a text cut short (<see cref="HttpOutcome.Describe"/>).</summary>
    private const string Cut = "…";

    /// <summary>A text cut short may end in the first characters of a secret: those are masked as the whole would be.</summary>
    private static string MaskCutSecret(string text, List<string> secrets)
    {
        var body = text[..^Cut.Length];
        foreach (var secret in secrets)
            for (var n = Math.Min(secret.Length - 1, body.Length); n >= MinSecretLength; n--)
                if (body.EndsWith(secret[..n], StringComparison.OrdinalIgnoreCase)) return body[..^n] + Mask + Cut;
        return text;
    }

    /// <summary>
    /// The secret parts of a URL whose path or query is a credential (a webhook URL): the URL, its path and query,
    /// each long path segment, each query value, and the user info.
    /// </summary>
    public static IEnumerable<string> UrlSecrets(string? url)
    {
        if (string.IsNullOrEmpty(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri)) yield break;
        yield return url;
        if (uri.PathAndQuery.Length > 1) yield return uri.PathAndQuery;
        foreach (var segment in uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries))
            if (segment.Length >= 8) yield return segment;
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
            if (pair.Split('=', 2) is [_, var value]) yield return Uri.UnescapeDataString(value);
        if (string.IsNullOrEmpty(uri.UserInfo)) yield break;
        yield return uri.UserInfo;
        if (uri.UserInfo.Split(':', 2) is [_, var password]) yield return Uri.UnescapeDataString(password);
    }
}
