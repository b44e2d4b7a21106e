using System.Text.Json;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Pipeline;

/// <summary>
/// Reads an alert's fields by the names of the <c>falco_alert</c> source: <c>falco.rule</c>, <c>falco.priority</c>,
/// <c>falco.source</c>, <c>falco.hostname</c>, <c>falco.tags</c> (comma-joined), <c>falco.output</c>, and any other
/// name as an <c>output_fields</c> key. Values are text: a JSON string is its content, anything else its JSON.
/// </summary>
public static class AlertFields
{
    /// <summary>The field's text, or null when the alert has no such field (or it is JSON null).</summary>
    public static string? Get(FalcoAlert alert, string name) => name switch
    {
        "falco.rule" => alert.Rule,
        "falco.priority" => alert.Priority.ToFalcoString(),
        "falco.source" => alert.Source,
        "falco.hostname" => alert.Hostname,
        "falco.tags" => string.Join(',', alert.Tags),
        "falco.output" => alert.Output,
        _ => alert.OutputFields is { } fields && fields.TryGetValue(name, out var value) ? ToText(value) : null,
    };

    /// <summary>A JSON value as text: strings unquoted, <c>null</c> as null, the rest as compact JSON.</summary>
    public static string? ToText(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
        _ => Compact(value),
    };

    private static string Compact(JsonElement value)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer)) value.WriteTo(writer);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// True for fields that differ between two occurrences of the same thing: any key with a dot-separated
    /// segment (after the first) of <c>time</c>, <c>rawtime</c>, <c>datetime</c> or <c>reltime</c>
    /// (<c>evt.time</c>, <c>evt.time.iso8601</c>, <c>evt.rawtime</c>, <c>evt.datetime</c>, <c>jevt.time</c>,
    /// <c>jevt.rawtime</c>, <c>x.y.time</c>…), plus the per-event ids <c>ka.auditid</c> and <c>evt.num</c>.
    /// </summary>
    public static bool IsPerEventField(string key)
    {
        if (key is "ka.auditid" or "evt.num") return true;
        var rest = key.AsSpan();
        var dot = rest.IndexOf('.');
        while (dot >= 0)
        {
            rest = rest[(dot + 1)..];
            dot = rest.IndexOf('.');
            var segment = dot < 0 ? rest : rest[..dot];
            if (segment is "time" or "rawtime" or "datetime" or "reltime") return true;
        }
        return false;
    }
}
