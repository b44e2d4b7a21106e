namespace FalcoHook.Core.Destinations.GoogleChat;

/// <summary>
/// <c>Type: googlechat</c>, a Google Chat space's incoming webhook: <c>Url</c> required and secret. Checked against
/// https://developers.google.com/workspace/chat/api/reference/rest/v1/spaces.messages (a <c>Message</c>: <c>text</c>,
/// <c>cardsV2</c> of <c>{cardId, card}</c>, <c>fallbackText</c>, <c>thread.threadKey</c>; the whole message at most
/// 32,000 bytes), spaces.messages.create (query <c>messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD</c> to reply
/// in the thread of the key, or start it), https://developers.google.com/workspace/chat/api/reference/rest/v1/cards
/// (<c>header</c> title/subtitle, <c>sections</c> of <c>widgets</c>: <c>textParagraph</c>, <c>decoratedText</c> with
/// <c>topLabel</c>, <c>buttonList</c> with <c>onClick.openLink.url</c>; card text takes an HTML subset) and
/// https://developers.google.com/workspace/chat/limits (1 message write a second per space: the default rate; 429 when
/// over). A text message is at most 4,096 characters.
/// </summary>
public sealed class GoogleChatDestination : DestinationType<GoogleChatSettings, GoogleChatSender>
{
    public const string ReplyOption = "messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD";

    public override string Name => "googlechat";

    public override double DefaultRatePerSecond => 1;

    public override Templates.MessageTemplateSource DefaultTemplate => Templates.DefaultTemplates.Chat;

    public override IEnumerable<string> Validate(GoogleChatSettings settings, string at)
    {
        foreach (var error in CheckUrl(settings.Url, at, required: true)) yield return error;
        if (!Enum.IsDefined(settings.Format)) yield return $"{at}:Format must be card or text";
        if (!Enum.IsDefined(settings.ThreadBy)) yield return $"{at}:ThreadBy must be none, rule or fingerprint";
        if (settings.ThreadKey is { } key)
        {
            if (string.IsNullOrWhiteSpace(key)) yield return $"{at}:ThreadKey must not be empty";
            else if (key.Length > GoogleChatPayload.MaxThreadKey) yield return $"{at}:ThreadKey must be at most {GoogleChatPayload.MaxThreadKey} characters";
            if (settings.ThreadBy != GoogleChatThreadBy.None) yield return $"{at}:ThreadKey and ThreadBy exclude each other";
        }
    }

    /// <summary>The webhook URL, with <see cref="ReplyOption"/> added when messages go into threads.</summary>
    public override Uri Endpoint(GoogleChatSettings settings)
    {
        var url = settings.Url!;
        if (Threaded(settings) && !url.Contains("messageReplyOption=", StringComparison.Ordinal))
            url += (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + ReplyOption;
        return new Uri(url, UriKind.Absolute);
    }

    public override IEnumerable<string> Secrets(GoogleChatSettings settings) => Redaction.UrlSecrets(settings.Url);

    public static bool Threaded(GoogleChatSettings settings) => settings.ThreadKey is not null || settings.ThreadBy != GoogleChatThreadBy.None;
}
