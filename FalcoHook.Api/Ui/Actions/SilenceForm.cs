using System.Globalization;
using FalcoHook.Api.Endpoints;
using Microsoft.Extensions.Primitives;

namespace FalcoHook.Api.Ui.Actions;

/// <summary>
/// The new-silence form: matcher rows (repeated <c>name</c>, <c>op</c>, <c>value</c> fields; empty rows ignored), a
/// duration (<c>30m</c>, <c>2h</c>, <c>1d</c>) and a comment. The same fields in a query string pre-fill the form
/// ("Silence similar…" and a form sent back with its errors).
/// </summary>
public sealed record SilenceForm(IReadOnlyList<MatcherDto> Matchers, string Duration, string Comment)
{
    public const string DefaultDuration = "2h";
    public static readonly IReadOnlyList<string> Durations = ["30m", "1h", "2h", "4h", "12h", "1d", "7d"];

    public static SilenceForm Read(IEnumerable<KeyValuePair<string, StringValues>> fields)
    {
        var values = fields.ToDictionary(f => f.Key, f => f.Value, StringComparer.Ordinal);
        StringValues Get(string key) => values.TryGetValue(key, out var v) ? v : StringValues.Empty;
        var names = Get("name");
        var ops = Get("op");
        var texts = Get("value");
        var matchers = new List<MatcherDto>();
        for (var i = 0; i < names.Count; i++)
        {
            var name = names[i]?.Trim();
            if (string.IsNullOrEmpty(name)) continue;
            matchers.Add(new MatcherDto(name, i < ops.Count && !string.IsNullOrEmpty(ops[i]) ? ops[i] : "=", i < texts.Count ? texts[i] ?? "" : ""));
        }
        var duration = Get("duration").ToString();
        return new SilenceForm(matchers, string.IsNullOrEmpty(duration) ? DefaultDuration : duration, Get("comment").ToString());
    }

    /// <summary>The REST API's request for this form; an unreadable duration gives no end, which validation reports.</summary>
    public CreateSilenceRequest ToRequest(string createdBy, DateTimeOffset now) =>
        new(Matchers, null, TryParseDuration(Duration, out var span) ? now.Add(span) : null, createdBy, Comment);

    public string ToQuery(string page)
    {
        var parts = new List<string>();
        foreach (var m in Matchers)
        {
            parts.Add("name=" + Uri.EscapeDataString(m.Name ?? ""));
            parts.Add("op=" + Uri.EscapeDataString(m.Op ?? "="));
            parts.Add("value=" + Uri.EscapeDataString(m.Value ?? ""));
        }
        parts.Add("duration=" + Uri.EscapeDataString(Duration));
        if (Comment.Length > 0) parts.Add("comment=" + Uri.EscapeDataString(Comment));
        return page + "?" + string.Join('&', parts);
    }

    public static bool TryParseDuration(string text, out TimeSpan duration)
    {
        duration = default;
        if (text.Length < 2 || !int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n <= 0)
            return false;
        duration = text[^1] switch
        {
            'm' => TimeSpan.FromMinutes(n),
            'h' => TimeSpan.FromHours(n),
            'd' => TimeSpan.FromDays(n),
            _ => TimeSpan.Zero,
        };
        return duration > TimeSpan.Zero && duration <= TimeSpan.FromDays(365);
    }
}
