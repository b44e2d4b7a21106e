namespace FalcoHook.Core.Destinations.Discord;

/// <summary>
/// <c>Type: discord</c>, a Discord channel webhook (Execute Webhook): <c>Url</c> required and secret. Discord
/// publishes no fixed webhook rate (it answers 429 with how long to wait), so one message a second is the
/// default: a storm stays a trickle instead of a run of 429s.
/// </summary>
public sealed class DiscordDestination : DestinationType<DiscordSettings, DiscordSender>
{
    public override string Name => "discord";

    public override double DefaultRatePerSecond => 1;

    public override Templates.MessageTemplateSource DefaultTemplate => Templates.DefaultTemplates.Chat;

    public override IEnumerable<string> Validate(DiscordSettings settings, string at) =>
        CheckUrl(settings.Url, at, required: true).Concat(CheckUrl(settings.AvatarUrl, at, required: false, key: "AvatarUrl"));

    public override Uri Endpoint(DiscordSettings settings) => new(settings.Url!, UriKind.Absolute);

    public override IEnumerable<string> Secrets(DiscordSettings settings) => Redaction.UrlSecrets(settings.Url);
}
