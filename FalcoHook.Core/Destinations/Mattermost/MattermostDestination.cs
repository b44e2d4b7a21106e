namespace FalcoHook.Core.Destinations.Mattermost;

/// <summary>
/// <c>Type: mattermost</c>, a Mattermost incoming webhook: <c>Url</c> required and secret. Checked against
/// https://developers.mattermost.com/integrate/webhooks/incoming/ (POST JSON, answer 200 <c>ok</c>, Slack-compatible
/// <c>attachments</c>, posts longer than 16383 characters are split) and
/// https://developers.mattermost.com/integrate/reference/message-attachments/ (<c>fallback</c>, <c>color</c>,
/// <c>title</c>, <c>title_link</c>, <c>text</c>, <c>fields</c> of <c>short</c>/<c>title</c>/<c>value</c>,
/// <c>footer</c>). The server's rate limiter (off by default) allows 10 requests a second when on: that is the default rate.
/// </summary>
public sealed class MattermostDestination : DestinationType<MattermostSettings, MattermostSender>
{
    public override string Name => "mattermost";

    public override double DefaultRatePerSecond => 10;

    public override Templates.MessageTemplateSource DefaultTemplate => Templates.DefaultTemplates.Chat;

    public override IEnumerable<string> Validate(MattermostSettings settings, string at) =>
        CheckUrl(settings.Url, at, required: true).Concat(CheckUrl(settings.IconUrl, at, required: false, key: "IconUrl"));

    public override Uri Endpoint(MattermostSettings settings) => new(settings.Url!, UriKind.Absolute);

    public override IEnumerable<string> Secrets(MattermostSettings settings) => Redaction.UrlSecrets(settings.Url);
}
