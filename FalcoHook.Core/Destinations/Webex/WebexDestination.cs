namespace FalcoHook.Core.Destinations.Webex;

/// <summary>
/// <c>Type: webex</c>. Checked against https://developer.webex.com/docs/api/v1/messages/create-a-message (POST
/// <c>https://webexapis.com/v1/messages</c> with <c>Authorization: Bearer</c> and one of <c>roomId</c>,
/// <c>toPersonEmail</c>; <c>markdown</c> at most 7,439 bytes; <c>attachments</c> of one card,
/// <c>contentType</c> <c>application/vnd.microsoft.card.adaptive</c>, Adaptive Card up to version 1.3; answers 200 with
/// the message), https://developer.webex.com/docs/basics (429 with <c>Retry-After</c>; errors
/// <c>{"message", "errors", "trackingId"}</c>) and the incoming webhooks integration (POST <c>{"markdown"}</c> to the
/// webhook URL, no token). Webex documents no fixed message rate: the default is one message a second, and a 429 waits
/// as long as it says.
/// </summary>
public sealed class WebexDestination : DestinationType<WebexSettings, WebexSender>
{
    public override string Name => "webex";

    public override double DefaultRatePerSecond => 1;

    public override Templates.MessageTemplateSource DefaultTemplate => Templates.DefaultTemplates.Chat;

    public override IEnumerable<string> Validate(WebexSettings settings, string at)
    {
        if (string.IsNullOrWhiteSpace(settings.Token))
        {
            if (string.IsNullOrWhiteSpace(settings.Url)) yield return $"{at}:Token (a bot) or Url (an incoming webhook) is required for type {Name}";
            foreach (var error in CheckUrl(settings.Url, at, required: false)) yield return error;
            if (settings.RoomId is not null || settings.ToPersonEmail is not null) yield return $"{at}:RoomId and ToPersonEmail need Token (a bot); an incoming webhook Url posts to its own space";
            if (settings.Card) yield return $"{at}:Card needs Token (a bot)";
            yield break;
        }
        if (settings.Token.Any(char.IsWhiteSpace)) yield return $"{at}:Token must be an access token (no spaces)";
        var rooms = (string.IsNullOrWhiteSpace(settings.RoomId) ? 0 : 1) + (string.IsNullOrWhiteSpace(settings.ToPersonEmail) ? 0 : 1);
        if (rooms != 1) yield return $"{at}:RoomId or ToPersonEmail is required for a bot (exactly one)";
        if (!string.IsNullOrWhiteSpace(settings.ToPersonEmail) && !settings.ToPersonEmail.Contains('@', StringComparison.Ordinal))
            yield return $"{at}:ToPersonEmail must be an email address";
        foreach (var error in CheckUrl(settings.Url, at, required: false)) yield return error;
    }

    public override Uri Endpoint(WebexSettings settings) => new(settings.Url ?? WebexSettings.MessagesApi, UriKind.Absolute);

    public override IEnumerable<string> Secrets(WebexSettings settings)
    {
        if (!string.IsNullOrEmpty(settings.Token)) yield return settings.Token;
        if (string.IsNullOrEmpty(settings.Token)) foreach (var secret in Redaction.UrlSecrets(settings.Url)) yield return secret;
    }
}
