using System.Text.Json.Nodes;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Destinations.RocketChat;

/// <summary>
/// The incoming-webhook body: a one-line <c>text</c> (priority emoji and title) and one <see cref="SlackStyleAttachment"/>,
/// its text cut at <see cref="MaxText"/> (Rocket.Chat's default maximum message size is 5000 characters).
/// </summary>
public static class RocketChatPayload
{
    public const int MaxText = 4000, MaxFieldValue = 500, MaxTitle = 300;

    /// <summary>Values a template writes into the Markdown body are escaped.</summary>
    public static readonly Templates.EscapingEncoder Encoder = new(ChatFormat.EscapeMarkdown);

    public static JsonObject Build(Notification notification, RocketChatSettings settings, Templates.RenderedMessage message)
    {
        var body = new JsonObject
        {
            ["text"] = ChatFormat.Cut($"{ChatFormat.Emoji(notification.Alert.Priority)} {ChatFormat.EscapeMarkdown(message.Title)}", MaxTitle),
        };
        if (!string.IsNullOrWhiteSpace(settings.Channel)) body["channel"] = settings.Channel;
        if (!string.IsNullOrWhiteSpace(settings.Alias)) body["alias"] = settings.Alias;
        if (!string.IsNullOrWhiteSpace(settings.Emoji)) body["emoji"] = settings.Emoji;
        if (!string.IsNullOrWhiteSpace(settings.Avatar)) body["avatar"] = settings.Avatar;
        body["attachments"] = new JsonArray(SlackStyleAttachment.Build(notification, message, MaxText, MaxFieldValue, ChatFormat.EscapeMarkdown));
        return body;
    }
}
