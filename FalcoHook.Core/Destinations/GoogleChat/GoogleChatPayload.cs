using System.Text;
using System.Text.Json.Nodes;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Destinations.GoogleChat;

/// <summary>
/// The incoming-webhook body. As a card (<c>cardsV2</c>): a header with the priority emoji and title, a section with
/// the body, a "Details" section of labelled facts, a storm summary's section, a button back to FalcoHook, and the title
/// as <c>fallbackText</c> (notifications); the body is cut at <see cref="MaxCardBody"/> and the whole message kept under
/// <see cref="MaxBytes"/>. As text: title, body and facts in Google Chat's markup, at most <see cref="MaxText"/>
/// characters, the body giving up what does not fit. With a thread key, <c>thread.threadKey</c> names the thread.
/// </summary>
public static class GoogleChatPayload
{
    public const int MaxText = 4096, MaxCardBody = 8000, MaxFactValue = 1000, MaxTitle = 200, MaxThreadKey = 4000, MaxBytes = 31_000;

    public const string CardId = "falcohook-alert";

    /// <summary>Values a template writes into the card's body are escaped for its HTML subset (the header is plain text).</summary>
    public static readonly Templates.EscapingEncoder CardEncoder = new(ChatFormat.EscapeHtml);

    public static JsonObject Build(DeliveryAttempt attempt, GoogleChatSettings settings, Templates.RenderedMessage message)
    {
        var notification = attempt.Notification;
        var payload = settings.Format == GoogleChatFormat.Text ? Text(notification, message) : Card(notification, message);
        if (ThreadKey(notification, settings) is { } key) payload["thread"] = new JsonObject { ["threadKey"] = key };
        return payload;
    }

    /// <summary>The configured key, or the alert's rule or fingerprint; null when messages start no thread.</summary>
    public static string? ThreadKey(Notification notification, GoogleChatSettings settings) => settings.ThreadKey ?? settings.ThreadBy switch
    {
        GoogleChatThreadBy.Rule => ChatFormat.Cut(notification.Alert.Rule, MaxThreadKey),
        GoogleChatThreadBy.Fingerprint => notification.Fingerprint,
        _ => null,
    };

    public static JsonObject Card(Notification notification, Templates.RenderedMessage message)
    {
        var body = ChatFormat.Cut(message.Body, MaxCardBody);
        var card = CardMessage(notification, message, body);
        var size = Encoding.UTF8.GetByteCount(card.ToJsonString());
        if (size <= MaxBytes) return card;
        // Too big: the body gives up what the rest needs (cut as plain text, escaped again, so no entity is broken).
        var plain = System.Net.WebUtility.HtmlDecode(body);
        var room = Math.Max(16, Encoding.UTF8.GetByteCount(body) - (size - MaxBytes) - 512);
        while (true)
        {
            var cut = ChatFormat.EscapeHtml(ChatFormat.CutUtf8(plain, room));
            card = CardMessage(notification, message, cut);
            if (Encoding.UTF8.GetByteCount(card.ToJsonString()) <= MaxBytes || room <= 16) return card;
            room = Math.Max(16, room * 3 / 4);
        }
    }

    private static JsonObject CardMessage(Notification notification, Templates.RenderedMessage message, string body)
    {
        var alert = notification.Alert;
        var title = $"{ChatFormat.Emoji(alert.Priority)} {ChatFormat.Cut(message.Title, MaxTitle)}";
        var sections = new JsonArray
        {
            new JsonObject { ["widgets"] = new JsonArray(Paragraph(body)) },
            new JsonObject
            {
                ["header"] = "Details",
                ["widgets"] = new JsonArray(ChatFormat.Facts(notification).Select(f => (JsonNode)Labelled(f.Name, f.Value)).ToArray()),
            },
        };
        if (notification.Digest is { } digest)
        {
            var widgets = new JsonArray(Paragraph(ChatFormat.EscapeHtml(ChatFormat.StormLine(digest))));
            foreach (var (name, value) in ChatFormat.StormFacts(digest)) widgets.Add(Labelled(name, value));
            sections.Add(new JsonObject { ["header"] = "Storm summary", ["widgets"] = widgets });
        }
        if (message.Url is { } url)
        {
            sections.Add(new JsonObject
            {
                ["widgets"] = new JsonArray(new JsonObject
                {
                    ["buttonList"] = new JsonObject
                    {
                        ["buttons"] = new JsonArray(new JsonObject
                        {
                            ["text"] = "Open in FalcoHook",
                            ["onClick"] = new JsonObject { ["openLink"] = new JsonObject { ["url"] = url } },
                        }),
                    },
                }),
            });
        }
        return new JsonObject
        {
            ["fallbackText"] = title,
            ["cardsV2"] = new JsonArray(new JsonObject
            {
                ["cardId"] = CardId,
                ["card"] = new JsonObject
                {
                    ["header"] = new JsonObject { ["title"] = title, ["subtitle"] = $"Falco on {alert.Hostname ?? "-"}" },
                    ["sections"] = sections,
                },
            }),
        };
    }

    private static JsonObject Paragraph(string html) => new() { ["textParagraph"] = new JsonObject { ["text"] = html } };

    private static JsonObject Labelled(string label, string value) => new()
    {
        ["decoratedText"] = new JsonObject
        {
            ["topLabel"] = label,
            ["text"] = ChatFormat.EscapeHtml(ChatFormat.Cut(value, MaxFactValue)),
            ["wrapText"] = true,
        },
    };

    /// <summary>A text message: <c>*title*</c>, the body, the facts as <c>*Label:* value</c> lines, the storm summary and the link.</summary>
    public static JsonObject Text(Notification notification, Templates.RenderedMessage message)
    {
        var head = $"{ChatFormat.Emoji(notification.Alert.Priority)} *{ChatFormat.Cut(message.Title, MaxTitle)}*\n";
        var tail = new StringBuilder("\n");
        foreach (var (name, value) in ChatFormat.Facts(notification)) tail.Append('*').Append(name).Append(":* ").Append(ChatFormat.Cut(value, 300)).Append('\n');
        if (notification.Digest is { } digest)
        {
            tail.Append("\n*Storm summary:* ").Append(ChatFormat.StormLine(digest)).Append('\n');
            foreach (var (name, value) in ChatFormat.StormFacts(digest)) tail.Append('*').Append(name).Append(":* ").Append(ChatFormat.Cut(value, 300)).Append('\n');
        }
        if (message.Url is { } url) tail.Append('<').Append(url).Append("|Open in FalcoHook>");
        var rest = tail.ToString().TrimEnd('\n');
        var text = head + ChatFormat.Cut(message.Body, Math.Max(1, MaxText - head.Length - rest.Length - 1)) + "\n" + rest;
        return new JsonObject { ["text"] = ChatFormat.Cut(text, MaxText) };
    }
}
