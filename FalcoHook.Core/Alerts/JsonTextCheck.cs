using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

namespace FalcoHook.Core.Alerts;

/// <summary>
/// Strings of a parsed JSON document that cannot become .NET strings: invalid UTF-8 bytes, or an escaped lone
/// surrogate (<c>"\ud800"</c>). The parser lets both through and <see cref="JsonElement.GetString"/> throws
/// <see cref="InvalidOperationException"/> on them; these helpers turn that into an answer the reader can report.
/// </summary>
public static class JsonTextCheck
{
    /// <summary>The message for a value or name that is not valid text.</summary>
    public const string InvalidText = "Not valid text: invalid UTF-8 bytes or an unpaired surrogate escape (\\ud800-\\udfff).";

    /// <summary>The string value, or false when it is not valid text.</summary>
    public static bool TryGetString(JsonElement value, out string? text)
    {
        try
        {
            text = value.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            text = null;
            return false;
        }
    }

    /// <summary>The value's JSON text for a message, or a note that it is not valid text.</summary>
    public static string RawText(JsonElement value)
    {
        try
        {
            return value.GetRawText();
        }
        catch (InvalidOperationException)
        {
            return "(not valid UTF-8)";
        }
    }

    /// <summary>The property's name, or false when it is not valid text.</summary>
    public static bool TryGetName(JsonProperty property, out string name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = "";
            return false;
        }
    }

    /// <summary>
    /// Whether every string in <paramref name="value"/> (names of nested objects included) is valid text. A string is
    /// checked in place (its UTF-8 bytes, and only when it has escapes, by decoding it); no string is made for a
    /// valid one without escapes.
    /// </summary>
    public static bool IsValid(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var raw = JsonMarshal.GetRawUtf8Value(value);
                if (!Utf8.IsValid(raw)) return false;
                return raw.IndexOf((byte)'\\') < 0 || TryGetString(value, out _);
            case JsonValueKind.Array:
                foreach (var item in value.EnumerateArray()) if (!IsValid(item)) return false;
                return true;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                    if (!TryGetName(property, out _) || !IsValid(property.Value)) return false;
                return true;
            default:
                return true;
        }
    }

    /// <summary>The JSON path (below <paramref name="path"/>) of the first string in <paramref name="value"/> that is not valid text.</summary>
    public static string? FindInvalid(JsonElement value, string path)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return IsValid(value) ? null : path;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (item.ValueKind is JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Object &&
                        FindInvalid(item, $"{path}[{index}]") is { } found) return found;
                    index++;
                }
                return null;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    if (!TryGetName(property, out var name)) return path;
                    if (property.Value.ValueKind is JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Object &&
                        FindInvalid(property.Value, path.Length == 0 ? name : $"{path}.{name}") is { } found) return found;
                }
                return null;
            default:
                return null;
        }
    }

    /// <summary>
    /// A quick look over a whole body: true when it may hold a string that is not valid text (bytes that are not
    /// UTF-8, or a <c>\uD8xx</c>-<c>\uDFxx</c> escape). False means every string in it is valid text.
    /// </summary>
    public static bool MayHoldInvalidText(ReadOnlySpan<byte> body)
    {
        if (!Utf8.IsValid(body)) return true;
        while (true)
        {
            var escape = body.IndexOf("\\u"u8);
            if (escape < 0) return false;
            body = body[(escape + 2)..];
            if (body.Length >= 2 && (body[0] | 0x20) == 'd' && body[1] is (byte)'8' or (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F')
                return true;
        }
    }
}
