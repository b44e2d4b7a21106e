using System.Text.Json.Nodes;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Destinations.Mattermost;

/// <summary>
/// The incoming-webhook body: a one-line <c>text</c> (priority emoji and title, what notifications show) and one
/// <see cref="SlackStyleAttachment"/>. The attachment's text is cut at <see cref="MaxText"/> and each field value at
/// <see cref="MaxFieldValue"/>, keeping the whole post under Mattermost's 16383 characters.
/// </summary>
public static class MattermostPayload
{
    public const int MaxText = 8000, MaxFieldValue = 1000, MaxTitle = 300;

    /// <summary>Values a template writes into the Markdown body are escaped.</summary>
    public static readonly Templates.EscapingEncoder Encoder = new(ChatFormat.EscapeMarkdown);

    public static JsonObject Build(Notification notification, MattermostSettings settings, Templates.RenderedMessage message)
    {
        var body = new JsonObject
        {
            ["text"] = ChatFormat.Cut($"{ChatFormat.Emoji(notification.Alert.Priority)} {ChatFormat.EscapeMarkdown(message.Title)}", MaxTitle),
        };
        if (!string.IsNullOrWhiteSpace(settings.Channel)) body["channel"] = settings.Channel;
        if (!string.IsNullOrWhiteSpace(settings.Username)) body["username"] = settings.Username;
        if (!string.IsNullOrWhiteSpace(settings.IconUrl)) body["icon_url"] = settings.IconUrl;
        if (!string.IsNullOrWhiteSpace(settings.IconEmoji)) body["icon_emoji"] = settings.IconEmoji;
        body["attachments"] = new JsonArray(SlackStyleAttachment.Build(notification, message, MaxText, MaxFieldValue, ChatFormat.EscapeMarkdown));
        return body;
    }
}
