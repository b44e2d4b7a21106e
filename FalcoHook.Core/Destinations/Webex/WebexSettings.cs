namespace FalcoHook.Core.Destinations.Webex;

/// <summary>
/// The keys of a <c>Type: webex</c> destination besides the shared ones. Either a bot (<c>Token</c> with <c>RoomId</c>
/// or <c>ToPersonEmail</c>, posting to the Messages API) or an incoming webhook (<c>Url</c> only, the way Falcosidekick sends).
/// </summary>
public sealed class WebexSettings
{
    /// <summary>The bot's access token, sent as <c>Authorization: Bearer …</c> (secret).</summary>
    public string? Token { get; set; }

    /// <summary>The space the bot posts into.</summary>
    public string? RoomId { get; set; }

    /// <summary>The person the bot writes to, one to one (instead of <see cref="RoomId"/>).</summary>
    public string? ToPersonEmail { get; set; }

    /// <summary>
    /// With <see cref="Token"/>: the Messages API (default <see cref="MessagesApi"/>, or a proxy). Without: the incoming
    /// webhook URL, <c>https://webexapis.com/v1/webhooks/incoming/{id}</c> (its id is the credential).
    /// </summary>
    public string? Url { get; set; }

    /// <summary>Attach an Adaptive Card (bot only; the Markdown stays as the text of clients that cannot show cards).</summary>
    public bool Card { get; set; }

    public const string MessagesApi = "https://webexapis.com/v1/messages";
}
