namespace FalcoHook.Core.Destinations.Webhook;

/// <summary>
/// <c>Type: webhook</c>: Falco's alert JSON to <c>Url</c> (required), signed per Standard Webhooks when <c>Secret</c>
/// is set. The URL's path and query, the signing secret and every header value are secrets.
/// </summary>
public sealed class WebhookDestination : DestinationType<WebhookSettings, WebhookSender>
{
    public override string Name => "webhook";

    public override IEnumerable<string> Validate(WebhookSettings settings, string at)
    {
        foreach (var error in CheckUrl(settings.Url, at, required: true)) yield return error;
        if (settings.Method.Trim().ToUpperInvariant() is not ("POST" or "PUT")) yield return $"{at}:Method must be POST or PUT (got '{settings.Method}')";
        if (settings.Secret is { } secret && !StandardWebhookSigner.TryDecodeSecret(secret, out _))
            yield return $"{at}:Secret must be whsec_ followed by base64 (the Standard Webhooks format)";
    }

    public override Uri Endpoint(WebhookSettings settings) => new(settings.Url!, UriKind.Absolute);

    public override IEnumerable<string> Secrets(WebhookSettings settings)
    {
        foreach (var secret in Redaction.UrlSecrets(settings.Url)) yield return secret;
        if (!string.IsNullOrEmpty(settings.Secret))
        {
            yield return settings.Secret;
            if (settings.Secret.StartsWith(StandardWebhookSigner.Prefix, StringComparison.Ordinal)) yield return settings.Secret[StandardWebhookSigner.Prefix.Length..];
        }
        foreach (var value in settings.Headers.Values)
            if (!string.IsNullOrEmpty(value)) yield return value;
    }
}
