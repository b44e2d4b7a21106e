using System.Text.Json;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Pipeline;

/// <summary>
/// How the pipeline reads <c>output_fields</c> values for fingerprints and storm samples, and which keys differ per
/// event. Fields by their <c>falco_alert</c> names are read through <see cref="Fields.FalcoAlertFieldProvider.Text"/>.
/// </summary>
public static class AlertFields
{
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
