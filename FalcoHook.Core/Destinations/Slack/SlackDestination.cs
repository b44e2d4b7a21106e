namespace FalcoHook.Core.Destinations.Slack;

/// <summary>
/// <c>Type: slack</c>, a Slack incoming webhook: <c>Url</c> required and secret; about one message a second per
/// webhook (Slack's limit), so that is the default rate.
/// </summary>
public sealed class SlackDestination : DestinationType<SlackSettings, SlackSender>
{
    public override string Name => "slack";

    public override double DefaultRatePerSecond => 1;

    public override Templates.MessageTemplateSource DefaultTemplate => Templates.DefaultTemplates.Chat;

    public override IEnumerable<string> Validate(SlackSettings settings, string at) => CheckUrl(settings.Url, at, required: true);

    public override Uri Endpoint(SlackSettings settings) => new(settings.Url!, UriKind.Absolute);

    public override IEnumerable<string> Secrets(SlackSettings settings) => Redaction.UrlSecrets(settings.Url);
}
