using System.Text;
using System.Text.Json.Nodes;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Destinations.Webex;

/// <summary>
/// The message: <c>roomId</c> or <c>toPersonEmail</c> (a bot), <c>markdown</c> of at most <see cref="MaxMarkdownBytes"/>
/// bytes (the priority emoji and title in bold, the body, the facts with bold labels, a storm summary's count and
/// samples, the link back; the body gives up what does not fit) and, with <c>Card</c>, one Adaptive Card 1.3 attachment
/// of the same content.
/// </summary>
public static class WebexPayload
{
    public const int MaxMarkdownBytes = 7439, MaxTitle = 300, MaxFactValue = 300, MaxCardBody = 4000;

    public const string CardContentType = "application/vnd.microsoft.card.adaptive";

    /// <summary>Values a template writes into the Markdown are escaped.</summary>
    public static readonly Templates.EscapingEncoder Encoder = new(ChatFormat.EscapeMarkdown);

    /// <summary>Values a template writes into the card are escaped for its Markdown subset.</summary>
    public static readonly Templates.EscapingEncoder CardEncoder = new(ChatFormat.EscapeAdaptiveCard);

    public static JsonObject Build(Notification notification, WebexSettings settings, Templates.RenderedMessage message, Templates.RenderedMessage? cardMessage = null)
    {
        var payload = new JsonObject();
        if (!string.IsNullOrWhiteSpace(settings.Token))
        {
            if (!string.IsNullOrWhiteSpace(settings.RoomId)) payload["roomId"] = settings.RoomId;
            else payload["toPersonEmail"] = settings.ToPersonEmail;
        }
        payload["markdown"] = Markdown(notification, message);
        if (settings.Card && !string.IsNullOrWhiteSpace(settings.Token))
            payload["attachments"] = new JsonArray(new JsonObject { ["contentType"] = CardContentType, ["content"] = Card(notification, cardMessage ?? message) });
        return payload;
    }

    public static string Markdown(Notification notification, Templates.RenderedMessage message)
    {
        var head = $"{ChatFormat.Emoji(notification.Alert.Priority)} **{ChatFormat.DropDanglingEscape(ChatFormat.Cut(message.Title, MaxTitle))}**\n";
        var tail = new StringBuilder("\n");
        foreach (var (name, value) in ChatFormat.Facts(notification)) Fact(tail, name, value);
        if (notification.Digest is { } digest)
        {
            tail.Append("\n**Storm summary:** ").Append(ChatFormat.EscapeMarkdown(ChatFormat.StormLine(digest))).Append('\n');
            foreach (var (name, value) in ChatFormat.StormFacts(digest)) Fact(tail, name, value);
        }
        if (message.Url is { } url) tail.Append("\n[Open in FalcoHook](").Append(url).Append(')');
        var rest = tail.ToString().TrimEnd('\n');
        var room = MaxMarkdownBytes - Encoding.UTF8.GetByteCount(head) - Encoding.UTF8.GetByteCount(rest) - 1;
        var body = ChatFormat.DropDanglingEscape(ChatFormat.CutUtf8(message.Body, Math.Max(3, room)));
        return ChatFormat.CutUtf8(head + body + "\n" + rest, MaxMarkdownBytes);
    }

    private static void Fact(StringBuilder text, string name, string value) =>
        text.Append("**").Append(ChatFormat.EscapeMarkdown(name)).Append(":** ").Append(ChatFormat.EscapeMarkdown(ChatFormat.Cut(value, MaxFactValue))).Append('\n');

    /// <summary>An Adaptive Card 1.3 (what Webex renders): title, body, facts, storm summary, and the link as an action.</summary>
    public static JsonObject Card(Notification notification, Templates.RenderedMessage message)
    {
        var body = new JsonArray
        {
            TextBlock($"{ChatFormat.Emoji(notification.Alert.Priority)} {ChatFormat.DropDanglingEscape(ChatFormat.Cut(message.Title, MaxTitle))}", bold: true),
            TextBlock(ChatFormat.DropDanglingEscape(ChatFormat.Cut(message.Body, MaxCardBody))),
            FactSet(ChatFormat.Facts(notification)),
        };
        if (notification.Digest is { } digest)
        {
            body.Add(TextBlock("Storm summary: " + ChatFormat.EscapeAdaptiveCard(ChatFormat.StormLine(digest)), bold: true));
            body.Add(FactSet(ChatFormat.StormFacts(digest)));
        }
        var card = new JsonObject
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            ["version"] = "1.3",
            ["body"] = body,
        };
        if (message.Url is { } url)
            card["actions"] = new JsonArray(new JsonObject { ["type"] = "Action.OpenUrl", ["title"] = "Open in FalcoHook", ["url"] = url });
        return card;
    }

    private static JsonObject TextBlock(string text, bool bold = false)
    {
        var block = new JsonObject { ["type"] = "TextBlock", ["text"] = text, ["wrap"] = true };
        if (bold) block["weight"] = "Bolder";
        return block;
    }

    private static JsonObject FactSet(IEnumerable<(string Name, string Value)> facts) => new()
    {
        ["type"] = "FactSet",
        ["facts"] = new JsonArray(facts.Select(f => (JsonNode)new JsonObject
        {
            ["title"] = ChatFormat.EscapeAdaptiveCard(f.Name),
            ["value"] = ChatFormat.EscapeAdaptiveCard(ChatFormat.Cut(f.Value, MaxFactValue)),
        }).ToArray()),
    };
}
