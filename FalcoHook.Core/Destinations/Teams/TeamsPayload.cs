using System.Text;
using System.Text.Json.Nodes;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Destinations.Teams;

/// <summary>
/// The Workflows webhook body: a <c>message</c> with one Adaptive Card (version 1.4, full width): a container in the
/// priority's style holding the emoji and title, the body, a fact set (priority, rule, source, host, important fields,
/// tags), a storm summary's line and samples, and an "Open in FalcoHook" action. The body is cut at
/// <see cref="MaxBody"/> and the whole message kept under <see cref="MaxBytes"/> (Teams takes up to 28 KB). The alert's
/// text (values a template writes, facts, samples) is escaped for the card's Markdown subset, so <c>*</c>, <c>_</c>,
/// <c>[</c>, <c>]</c> and list markers in it show as written; a template's own text keeps its Markdown.
/// </summary>
public static class TeamsPayload
{
    public const int MaxBody = 10_000, MaxFactValue = 500, MaxBytes = 27_000;

    public const string CardContentType = "application/vnd.microsoft.card.adaptive";

    /// <summary>Values a template writes into the title and body are escaped for the card's Markdown subset.</summary>
    public static readonly Templates.EscapingEncoder Encoder = new(ChatFormat.EscapeAdaptiveCard);

    /// <summary>Adaptive Card container styles: red for Error and worse, yellow for Warning, green for Notice, blue below.</summary>
    public static string Style(Priority priority) => priority switch
    {
        Priority.Emergency or Priority.Alert or Priority.Critical or Priority.Error => "attention",
        Priority.Warning => "warning",
        Priority.Notice => "good",
        _ => "accent",
    };

    public static JsonObject Build(Notification notification, Templates.RenderedMessage message)
    {
        var body = CutEscaped(message.Body, MaxBody);
        var message1 = Message(notification, message, body);
        var size = Encoding.UTF8.GetByteCount(message1.ToJsonString());
        if (size <= MaxBytes) return message1;
        // Too big: the body gives up what the rest needs.
        return Message(notification, message, ChatFormat.DropDanglingEscape(ChatFormat.CutUtf8(body, Math.Max(16, Encoding.UTF8.GetByteCount(body) - (size - MaxBytes) - 256))));
    }

    /// <summary><see cref="ChatFormat.Cut"/> of escaped text, never leaving the escape of a cut character behind.</summary>
    private static string CutEscaped(string text, int max) => ChatFormat.DropDanglingEscape(ChatFormat.Cut(text, max));

    private static JsonObject Message(Notification notification, Templates.RenderedMessage message, string body)
    {
        var alert = notification.Alert;
        var items = new JsonArray
        {
            new JsonObject
            {
                ["type"] = "Container",
                ["style"] = Style(alert.Priority),
                ["bleed"] = true,
                ["items"] = new JsonArray(TextBlock($"{ChatFormat.Emoji(alert.Priority)} {CutEscaped(message.Title, 300)}", bold: true)),
            },
            TextBlock(body),
            FactSet(ChatFormat.Facts(notification)),
        };
        if (notification.Digest is { } digest)
        {
            items.Add(TextBlock("Storm summary: " + ChatFormat.EscapeAdaptiveCard(ChatFormat.StormLine(digest)), bold: true));
            items.Add(FactSet(ChatFormat.StormFacts(digest)));
        }
        var card = new JsonObject
        {
            ["$schema"] = "http://adaptivecards.io/schemas/adaptive-card.json",
            ["type"] = "AdaptiveCard",
            ["version"] = "1.4",
            ["msteams"] = new JsonObject { ["width"] = "Full" },
            ["body"] = items,
        };
        if (message.Url is { } url)
            card["actions"] = new JsonArray(new JsonObject { ["type"] = "Action.OpenUrl", ["title"] = "Open in FalcoHook", ["url"] = url });
        return new JsonObject
        {
            ["type"] = "message",
            ["attachments"] = new JsonArray(new JsonObject
            {
                ["contentType"] = CardContentType,
                ["contentUrl"] = null,
                ["content"] = card,
            }),
        };
    }

    private static JsonObject TextBlock(string text, bool bold = false)
    {
        var block = new JsonObject { ["type"] = "TextBlock", ["text"] = text, ["wrap"] = true };
        if (bold)
        {
            block["weight"] = "Bolder";
            block["size"] = "Medium";
        }
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
