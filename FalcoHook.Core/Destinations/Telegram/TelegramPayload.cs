using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Destinations.Telegram;

/// <summary>
/// The sendMessage body: <c>text</c> in Telegram's HTML (the priority emoji and title in bold, the body, the facts
/// with bold labels, a storm summary's count and samples, the link back), at most <see cref="MaxText"/> characters.
/// What does not fit is taken from the body: it is cut as plain text (its tags dropped) and escaped again, so a cut
/// never leaves a broken tag or entity.
/// </summary>
public static partial class TelegramPayload
{
    public const int MaxText = 4096, MaxTitle = 256, MaxFactValue = 300;

    /// <summary>Values a template writes into the HTML body are escaped.</summary>
    public static readonly Templates.EscapingEncoder Encoder = new(ChatFormat.EscapeHtml);

    public static JsonObject Build(Notification notification, TelegramSettings settings, Templates.RenderedMessage message)
    {
        // Title and body come rendered with Encoder: their values escaped, a template's own tags kept.
        var title = message.Title.Length <= MaxTitle ? message.Title : CutHtml(message.Title, MaxTitle);
        var head = $"{ChatFormat.Emoji(notification.Alert.Priority)} <b>{title}</b>\n";
        var tail = new StringBuilder("\n");
        foreach (var (name, value) in ChatFormat.Facts(notification)) Fact(tail, name, value);
        if (notification.Digest is { } digest)
        {
            tail.Append("\n<b>Storm summary:</b> ").Append(ChatFormat.EscapeHtml(ChatFormat.StormLine(digest))).Append('\n');
            foreach (var (name, value) in ChatFormat.StormFacts(digest)) Fact(tail, name, value);
        }
        if (message.Url is { } url) tail.Append("\n<a href=\"").Append(ChatFormat.EscapeHtml(url)).Append("\">Open in FalcoHook</a>");
        var room = MaxText - head.Length - tail.Length;
        var body = message.Body.Length <= room ? message.Body : CutHtml(message.Body, room);
        var payload = new JsonObject
        {
            ["chat_id"] = long.TryParse(settings.ChatId, out var id) ? id : settings.ChatId,
            ["text"] = head + body + "\n" + tail.ToString().TrimEnd('\n'),
            ["parse_mode"] = "HTML",
            ["link_preview_options"] = new JsonObject { ["is_disabled"] = true },
        };
        if (settings.MessageThreadId is { } thread) payload["message_thread_id"] = thread;
        if (settings.DisableNotification) payload["disable_notification"] = true;
        return payload;
    }

    private static void Fact(StringBuilder text, string name, string value) =>
        text.Append("<b>").Append(ChatFormat.EscapeHtml(name)).Append(":</b> ").Append(ChatFormat.EscapeHtml(ChatFormat.Cut(value, MaxFactValue))).Append('\n');

    /// <summary>The HTML's text (tags dropped, entities read), cut until escaped again it fits in <paramref name="room"/>.</summary>
    private static string CutHtml(string html, int room)
    {
        if (room <= 1) return "…";
        var plain = WebUtility.HtmlDecode(Tag().Replace(html, ""));
        var max = Math.Min(plain.Length, room);
        while (true)
        {
            var escaped = ChatFormat.EscapeHtml(ChatFormat.Cut(plain, max));
            if (escaped.Length <= room || max <= 1) return escaped;
            max = Math.Max(1, Math.Min(max - 1, (int)((long)max * room / escaped.Length)));
        }
    }

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex Tag();
}
