namespace FalcoHook.Core.Destinations.Telegram;

/// <summary>The keys of a <c>Type: telegram</c> destination besides the shared ones.</summary>
public sealed class TelegramSettings
{
    /// <summary>The bot's token from BotFather, <c>123456:ABC-DEF…</c> (required, secret).</summary>
    public string? Token { get; set; }

    /// <summary>The chat: a numeric id (groups are negative) or <c>@channelusername</c> (required).</summary>
    public string? ChatId { get; set; }

    /// <summary>The Bot API's base URL (a local Bot API server, or a test fake).</summary>
    public string Url { get; set; } = "https://api.telegram.org";

    /// <summary>A forum topic of the chat.</summary>
    public long? MessageThreadId { get; set; }

    /// <summary>Send without sound.</summary>
    public bool DisableNotification { get; set; }
}
