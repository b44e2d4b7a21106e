using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace FalcoHook.Core.Destinations;

/// <summary>Helpers for fitting alert text into a receiver's documented limits.</summary>
public static class TextLimits
{
    /// <summary>Cuts to <paramref name="max"/> UTF-16 units, the last being "…", never between a surrogate pair.</summary>
    public static string Cut(string text, int max)
    {
        if (text.Length <= max) return text;
        var end = max - 1;
        if (end > 0 && char.IsHighSurrogate(text[end - 1])) end--;
        return text[..end] + "…";
    }

    /// <summary>An identifier kept as is when it fits in <paramref name="max"/>, else its SHA-256 in hex (stable either way).</summary>
    public static string Key(string id, int max) =>
        id.Length <= max ? id : Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(id)));

    /// <summary>An output field's value as text: a string as it is, anything else as its JSON.</summary>
    public static string Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
}
