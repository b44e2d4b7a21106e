using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Destinations.Discord;

/// <summary>
/// The Execute Webhook body for a notification: one embed with the priority's colour, the rule as title, the output
/// as description, then fields: priority, rule, source, host, the important output fields (container, pod,
/// namespace, user, command), tags, a storm summary's count, span and samples, enrichment, and the remaining output
/// fields while they fit. Within Discord's limits: title 256, description 4096, 25 fields (name 256, value 1024),
/// 6000 characters in all; what does not fit is cut with "…" or counted in a last field. Mentions never ping.
/// </summary>
public static class DiscordPayload
{
    public const int MaxTitle = 256, MaxDescription = 4096, MaxFields = 25, MaxFieldName = 256, MaxFieldValue = 1024, MaxTotal = 6000;

    /// <summary>The Slack message's palette as the 0xRRGGBB integer an embed's <c>color</c> takes.</summary>
    public static int Color(Priority priority) => int.Parse(ChatFormat.Color(priority).AsSpan(1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>Values a template writes into the description are escaped with <see cref="Escape"/>.</summary>
    public static readonly Templates.EscapingEncoder Encoder = new(Escape);

    /// <summary>The message without a template or link.</summary>
    public static JsonObject Build(Notification notification, DiscordSettings settings) =>
        Build(notification, settings, Templates.MessageRenderer.Plain(notification, bodyEncoder: Encoder));

    /// <summary>
    /// <paramref name="message"/> is the rendered template: its title the embed's title, its body (values escaped by
    /// <see cref="Encoder"/>) the description, its link (when set) the embed's <c>url</c>.
    /// </summary>
    public static JsonObject Build(Notification notification, DiscordSettings settings, Templates.RenderedMessage message)
    {
        var alert = notification.Alert;
        var title = Cut(message.Title, MaxTitle);
        var description = Cut(message.Body, MaxDescription);
        var embed = new JsonObject
        {
            ["title"] = title,
            ["description"] = description,
            ["color"] = Color(alert.Priority),
            ["timestamp"] = alert.Time.ToDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            ["fields"] = Fit(Fields(notification), MaxTotal - title.Length - description.Length),
        };
        if (message.Url is { } url) embed["url"] = url;
        var body = new JsonObject();
        if (!string.IsNullOrWhiteSpace(settings.Username)) body["username"] = settings.Username;
        if (!string.IsNullOrWhiteSpace(settings.AvatarUrl)) body["avatar_url"] = settings.AvatarUrl;
        body["embeds"] = new JsonArray(embed);
        body["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray() };
        return body;
    }

    private static List<(string Name, string Value, bool Inline)> Fields(Notification notification)
    {
        var alert = notification.Alert;
        var fields = new List<(string, string, bool)>
        {
            ("Priority", alert.Priority.ToFalcoString(), true),
            ("Rule", alert.Rule, true),
            ("Source", alert.Source ?? "syscall", true),
            ("Hostname", alert.Hostname ?? "-", true),
        };
        var shown = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (label, key, text) in ChatFormat.Important(alert))
        {
            fields.Add((label, text, label != "Command"));
            shown.Add(key);
        }
        if (alert.Tags.Count > 0) fields.Add(("Tags", string.Join(", ", alert.Tags), false));
        if (notification.Digest is { } d)
        {
            fields.Add(("Storm summary", $"{d.Count} alerts from {d.FirstSeen} to {d.LastSeen}", false));
            if (d.FirstOutput.Length > 0) fields.Add(("First", d.FirstOutput, false));
            foreach (var (key, value) in d.GroupKey) fields.Add((key, value, true));
            if (d.Samples.Count > 0) fields.Add(("Samples", string.Join("\n", d.Samples.Select(s => $"• {s.Key}: {string.Join(", ", s.Value)}")), false));
        }
        if (notification.Enrichment is { } e)
        {
            fields.Add(("Severity", e.Severity, true));
            fields.Add(("Category", e.Category, true));
            if (e.Techniques.Count > 0) fields.Add(("MITRE ATT&CK", string.Join(", ", e.Techniques), true));
            foreach (var (key, value) in e.Indicators) fields.Add((key, value, true));
            foreach (var (key, value) in e.CustomFields) fields.Add((key, value, true));
            if (e.Recommendations.Count > 0) fields.Add(("Recommended", string.Join("\n", e.Recommendations.Select(r => "• " + r)), false));
        }
        if (alert.OutputFields is not null)
            foreach (var (key, value) in alert.OutputFields)
                if (!shown.Contains(key)) fields.Add((key, Text(value), true));
        return fields;
    }

    /// <summary>
    /// Escapes and cuts each field, then keeps fields in order while the count and the character budget allow; the
    /// ones left out are counted in a last field.
    /// </summary>
    private static JsonArray Fit(List<(string Name, string Value, bool Inline)> fields, int budget)
    {
        var kept = new JsonArray();
        for (var i = 0; i < fields.Count; i++)
        {
            var name = Cut(Escape(fields[i].Name), MaxFieldName);
            var value = Cut(Escape(fields[i].Value), MaxFieldValue);
            if (value.Length == 0) value = "-";
            var more = fields.Count - i - 1 > 0;
            var note = more ? Note(fields.Count - i) : null;
            if (kept.Count + (more ? 2 : 1) > MaxFields || name.Length + value.Length + (note is null ? 0 : NoteName.Length + note.Length) > budget)
            {
                kept.Add(Field(NoteName, Note(fields.Count - i), inline: false));
                return kept;
            }
            kept.Add(Field(name, value, fields[i].Inline));
            budget -= name.Length + value.Length;
        }
        return kept;
    }

    private const string NoteName = "…";

    private static string Note(int left) => left == 1 ? "1 more field not shown" : $"{left} more fields not shown";

    private static JsonObject Field(string name, string value, bool inline) =>
        new() { ["name"] = name, ["value"] = value, ["inline"] = inline };

    private static string Text(JsonElement value) => ChatFormat.Text(value);

    /// <summary>Backslash before Discord markdown characters, so alert text shows as written (no formatting, links or mention syntax).</summary>
    public static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length + 16);
        var lineStart = true;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            // At the start of a line '#' opens a heading, "- " a list item and "-#" small text; "-1" stays as it is.
            if (c is '\\' or '*' or '_' or '~' or '`' or '|' or '[' or ']' or '<' or '>'
                || (lineStart && (c == '#' || (c == '-' && i + 1 < text.Length && text[i + 1] is ' ' or '#'))))
                escaped.Append('\\');
            escaped.Append(c);
            lineStart = c == '\n' || (lineStart && c is ' ' or '\t');
        }
        return escaped.ToString();
    }

    /// <summary>Cuts to <paramref name="max"/> UTF-16 units, the last being "…", never between a surrogate pair.</summary>
    public static string Cut(string text, int max) => ChatFormat.Cut(text, max);
}
