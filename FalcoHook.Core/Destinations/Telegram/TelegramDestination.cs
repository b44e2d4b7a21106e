namespace FalcoHook.Core.Destinations.Telegram;

/// <summary>
/// <c>Type: telegram</c>, the Bot API's sendMessage: <c>Token</c> and <c>ChatId</c> required, the token secret.
/// Checked against https://core.telegram.org/bots/api#sendmessage (POST <c>{Url}/bot{token}/sendMessage</c>,
/// <c>chat_id</c> integer or <c>@channel</c>, <c>text</c> 1–4096 characters after entities parsing,
/// <c>parse_mode</c> HTML with <c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c> escaped, <c>link_preview_options</c>,
/// answers <c>{"ok", "result"}</c> or <c>{"ok": false, "error_code", "description", "parameters": {"retry_after"}}</c>)
/// and https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this (about one message a
/// second per chat: the default rate).
/// </summary>
public sealed class TelegramDestination : DestinationType<TelegramSettings, TelegramSender>
{
    public override string Name => "telegram";

    public override double DefaultRatePerSecond => 1;

    public override Templates.MessageTemplateSource DefaultTemplate => Templates.DefaultTemplates.Chat;

    public override IEnumerable<string> Validate(TelegramSettings settings, string at)
    {
        if (string.IsNullOrWhiteSpace(settings.Token)) yield return $"{at}:Token is required for type {Name}";
        else if (settings.Token.Any(c => char.IsWhiteSpace(c) || c == '/')) yield return $"{at}:Token must be a bot token (no spaces or '/')";
        if (string.IsNullOrWhiteSpace(settings.ChatId)) yield return $"{at}:ChatId is required for type {Name}";
        else if (!long.TryParse(settings.ChatId, out _) && !settings.ChatId.StartsWith('@'))
            yield return $"{at}:ChatId must be a numeric chat id or @channelusername";
        foreach (var error in CheckUrl(settings.Url, at, required: true)) yield return error;
    }

    public override Uri Endpoint(TelegramSettings settings) => new($"{settings.Url.TrimEnd('/')}/bot{settings.Token}/sendMessage", UriKind.Absolute);

    public override IEnumerable<string> Secrets(TelegramSettings settings)
    {
        if (!string.IsNullOrEmpty(settings.Token)) yield return settings.Token;
        if (!string.IsNullOrEmpty(settings.Token)) yield return "bot" + settings.Token;
    }
}
