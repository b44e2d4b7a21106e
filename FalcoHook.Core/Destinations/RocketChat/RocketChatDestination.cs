namespace FalcoHook.Core.Destinations.RocketChat;

/// <summary>
/// <c>Type: rocketchat</c>, a Rocket.Chat incoming webhook integration: <c>Url</c> required and secret. Checked
/// against https://docs.rocket.chat/docs/integrations (incoming webhooks: POST JSON to <c>/hooks/{id}/{token}</c>,
/// <c>text</c>, <c>alias</c>, <c>emoji</c>, <c>avatar</c>, <c>channel</c>, <c>attachments</c> with <c>title</c>,
/// <c>title_link</c>, <c>text</c>, <c>color</c>, <c>fields</c>; answer <c>{"success": true}</c>) and the
/// <c>Message_MaxAllowedSize</c> setting (5000 characters by default). Rocket.Chat's API rate limiter counts calls
/// per connection; one message a second keeps a storm clear of it.
/// </summary>
public sealed class RocketChatDestination : DestinationType<RocketChatSettings, RocketChatSender>
{
    public override string Name => "rocketchat";

    public override double DefaultRatePerSecond => 1;

    public override Templates.MessageTemplateSource DefaultTemplate => Templates.DefaultTemplates.Chat;

    public override IEnumerable<string> Validate(RocketChatSettings settings, string at) =>
        CheckUrl(settings.Url, at, required: true).Concat(CheckUrl(settings.Avatar, at, required: false, key: "Avatar"));

    public override Uri Endpoint(RocketChatSettings settings) => new(settings.Url!, UriKind.Absolute);

    public override IEnumerable<string> Secrets(RocketChatSettings settings) => Redaction.UrlSecrets(settings.Url);
}
