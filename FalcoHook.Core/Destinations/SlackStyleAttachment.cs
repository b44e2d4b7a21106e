using System.Text.Json.Nodes;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Destinations;

/// <summary>
/// The Slack-compatible message attachment Mattermost and Rocket.Chat incoming webhooks take: the priority's colour
/// bar, the rendered title (linked to FalcoHook when <c>FalcoHook:PublicUrl</c> is set), the body, then short fields
/// (the facts), a storm summary's line and samples, and <c>FalcoHook</c> as footer.
/// </summary>
public static class SlackStyleAttachment
{
    public static JsonObject Build(Notification notification, Templates.RenderedMessage message, int maxText, int maxFieldValue, Func<string, string> escape)
    {
        var alert = notification.Alert;
        var fields = new JsonArray();
        foreach (var (name, value) in ChatFormat.Facts(notification)) fields.Add(Field(name, escape(value), maxFieldValue, name is not ("Command" or "Tags")));
        if (notification.Digest is { } digest)
        {
            fields.Add(Field("Storm summary", ChatFormat.StormLine(digest), maxFieldValue, false));
            foreach (var (name, value) in ChatFormat.StormFacts(digest)) fields.Add(Field(name, escape(value), maxFieldValue, true));
        }
        var attachment = new JsonObject
        {
            ["fallback"] = ChatFormat.Cut($"[{alert.Priority.ToFalcoString()}] {alert.Rule}", 300),
            ["color"] = ChatFormat.Color(alert.Priority),
            ["title"] = ChatFormat.Cut(message.Title, 300),
        };
        if (message.Url is { } url) attachment["title_link"] = url;
        attachment["text"] = ChatFormat.Cut(message.Body, maxText);
        attachment["fields"] = fields;
        attachment["footer"] = "FalcoHook";
        return attachment;
    }

    private static JsonObject Field(string title, string value, int max, bool @short) =>
        new() { ["short"] = @short, ["title"] = title, ["value"] = ChatFormat.Cut(value, max) };
}
