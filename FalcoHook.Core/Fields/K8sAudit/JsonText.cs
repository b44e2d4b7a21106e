using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FalcoHook.Core.Fields.K8sAudit;

/// <summary>How a JSON value becomes a field value: a string as itself, anything else as compact JSON text.</summary>
internal static class JsonText
{
    private static readonly JsonWriterOptions CompactOptions = new()
    {
        Indented = false,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // text for matching, not for HTML
        SkipValidation = true,
    };

    /// <summary><c>"abc"</c> gives <c>abc</c>; <c>201</c>, <c>true</c>, <c>null</c> their literal; objects and arrays compact JSON.</summary>
    public static string Of(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Object or JsonValueKind.Array => Compact(value),
        _ => value.GetRawText(),
    };

    /// <summary>Compact JSON text: the raw text when it has no whitespace between tokens (kube-apiserver's own output), else re-written.</summary>
    public static string Compact(JsonElement value)
    {
        var raw = value.GetRawText();
        if (!HasWhitespaceBetweenTokens(raw)) return raw;
        var buffer = new ArrayBufferWriter<byte>(raw.Length);
        using (var writer = new Utf8JsonWriter(buffer, CompactOptions)) value.WriteTo(writer);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static bool HasWhitespaceBetweenTokens(string json)
    {
        var inString = false;
        for (var i = 0; i < json.Length; i++)
        {
            var c = json[i];
            if (inString)
            {
                if (c == '\\') i++;
                else if (c == '"') inString = false;
            }
            else if (c == '"') inString = true;
            else if (c is ' ' or '\t' or '\r' or '\n') return true;
        }
        return false;
    }
}
