using System.Text.Json;
using System.Text.Json.Nodes;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Destinations.Slack;

/// <summary>
/// The Slack message for a notification: a legacy attachment (for the colour bar) holding Block Kit blocks,
/// plus a plain <c>text</c> fallback. Kept within Slack's limits: header 150, section text 3000, 10 fields of
/// 2000 per section, 50 blocks; longer text is cut with "…".
/// </summary>
public static class SlackPayload
{
    public const int MaxHeader = 150, MaxSectionText = 3000, MaxFieldText = 2000, MaxFieldsPerSection = 10, MaxBlocks = 50;
    public const int MaxOutputFields = 20;

    public static string Color(Priority priority) => ChatFormat.Color(priority);

    /// <summary>Values a template writes into mrkdwn are escaped with <see cref="Escape"/>.</summary>
    public static readonly Templates.EscapingEncoder Encoder = new(Escape);

    /// <summary>The message without a template or link.</summary>
    public static JsonObject Build(Notification notification, SlackSettings settings) =>
        Build(notification, settings, Templates.MessageRenderer.Plain(notification, bodyEncoder: Encoder));

    /// <summary>
    /// <paramref name="message"/> is the rendered template: its title is the header (plain text), its body (mrkdwn,
    /// values escaped by <see cref="Encoder"/>) the first section; its link, when set, a last section.
    /// </summary>
    public static JsonObject Build(Notification notification, SlackSettings settings, Templates.RenderedMessage message)
    {
        var alert = notification.Alert;
        var digest = notification.Digest;
        var blocks = new List<JsonObject>
        {
            new() { ["type"] = "header", ["text"] = PlainText(Cut(message.Title, MaxHeader)) },
            Section(message.Body),
        };
        var fields = new List<(string, string)>
        {
            ("Rule", alert.Rule),
            ("Priority", alert.Priority.ToFalcoString()),
            ("Source", alert.Source ?? "syscall"),
            ("Hostname", alert.Hostname ?? "-"),
            ("Tags", alert.Tags.Count > 0 ? string.Join(", ", alert.Tags) : "-"),
            ("Time", alert.Time.ToString()),
        };
        blocks.AddRange(FieldSections(fields));
        if (alert.OutputFields is { Count: > 0 } outputFields)
        {
            var shown = outputFields.Take(MaxOutputFields).Select(f => (f.Key, Text(f.Value))).ToList();
            if (outputFields.Count > MaxOutputFields) shown.Add(("…", $"{outputFields.Count - MaxOutputFields} more fields"));
            blocks.AddRange(FieldSections(shown));
        }
        if (notification.Enrichment is { } e)
        {
            var enrichment = new List<(string, string)> { ("Severity", e.Severity), ("Category", e.Category) };
            if (e.Techniques.Count > 0) enrichment.Add(("MITRE ATT&CK", string.Join(", ", e.Techniques)));
            foreach (var (key, value) in e.Indicators) enrichment.Add((key, value));
            foreach (var (key, value) in e.CustomFields) enrichment.Add((key, value));
            blocks.AddRange(FieldSections(enrichment));
            if (e.Recommendations.Count > 0)
                blocks.Add(Section("*Recommended*\n" + string.Join("\n", e.Recommendations.Select(r => "• " + Escape(r)))));
        }
        if (digest is not null)
        {
            blocks.Add(Section($"*Storm summary*: {digest.Count} alerts from {digest.FirstSeen} to {digest.LastSeen}\n*First*: {Escape(digest.FirstOutput)}"));
            var digestFields = new List<(string, string)>
            {
                ("Count", digest.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("First seen", digest.FirstSeen.ToString()),
                ("Last seen", digest.LastSeen.ToString()),
            };
            foreach (var (key, value) in digest.GroupKey) digestFields.Add((key, value));
            blocks.AddRange(FieldSections(digestFields));
            if (digest.Samples.Count > 0)
                blocks.Add(Section("*Samples*\n" + string.Join("\n", digest.Samples.Select(s => $"• {Escape(s.Key)}: {Escape(string.Join(", ", s.Value))}"))));
        }
        var room = message.Url is null ? MaxBlocks : MaxBlocks - 1;
        if (blocks.Count > room)
        {
            var dropped = blocks.Count - (room - 1);
            blocks = blocks.Take(room - 1).ToList();
            blocks.Add(new JsonObject { ["type"] = "context", ["elements"] = new JsonArray(Markdown($"… {dropped} more blocks not shown")) });
        }
        if (message.Url is { } url) blocks.Add(Section($"<{url}|Open in FalcoHook>"));

        var fallback = Cut($"[{alert.Priority.ToFalcoString()}] {alert.Rule}: {(alert.Output.Length > 0 ? alert.Output : alert.Rule)}", MaxSectionText);
        var attachment = new JsonObject
        {
            ["color"] = Color(alert.Priority),
            ["fallback"] = fallback,
            ["blocks"] = new JsonArray(blocks.Select(b => (JsonNode)b).ToArray()),
        };
        var body = new JsonObject { ["text"] = fallback };
        if (!string.IsNullOrWhiteSpace(settings.Channel)) body["channel"] = settings.Channel;
        if (!string.IsNullOrWhiteSpace(settings.Username)) body["username"] = settings.Username;
        if (!string.IsNullOrWhiteSpace(settings.IconEmoji)) body["icon_emoji"] = settings.IconEmoji;
        if (!string.IsNullOrWhiteSpace(settings.IconUrl)) body["icon_url"] = settings.IconUrl;
        body["attachments"] = new JsonArray(attachment);
        return body;
    }

    private static IEnumerable<JsonObject> FieldSections(IReadOnlyList<(string Name, string Value)> fields)
    {
        for (var i = 0; i < fields.Count; i += MaxFieldsPerSection)
        {
            var chunk = fields.Skip(i).Take(MaxFieldsPerSection)
                .Select(f => (JsonNode)Markdown(Cut($"*{Escape(f.Name)}*\n{Escape(f.Value)}", MaxFieldText)));
            yield return new JsonObject { ["type"] = "section", ["fields"] = new JsonArray(chunk.ToArray()) };
        }
    }

    private static JsonObject Section(string markdown) =>
        new() { ["type"] = "section", ["text"] = Markdown(Cut(markdown, MaxSectionText)) };

    private static JsonObject Markdown(string text) => new() { ["type"] = "mrkdwn", ["text"] = text };

    private static JsonObject PlainText(string text) => new() { ["type"] = "plain_text", ["text"] = text, ["emoji"] = true };

    private static string Text(JsonElement value) => ChatFormat.Text(value);

    /// <summary>Slack mrkdwn control characters.</summary>
    public static string Escape(string text) => text.Replace("&", "&amp;", StringComparison.Ordinal)
        .Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    /// <summary>Cuts to <paramref name="max"/> characters, the last being "…".</summary>
    public static string Cut(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}
