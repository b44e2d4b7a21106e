using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace FalcoHook.Core.Fields.K8sAudit;

/// <summary>An RFC 6901 JSON pointer (<c>/requestObject/spec/containers/0/image</c>), parsed once at compile time.</summary>
internal sealed class JsonPointer
{
    private readonly string[] _tokens;
    private readonly int[] _indexes; // the token as an array index, or -1 when it cannot be one

    private JsonPointer(string[] tokens)
    {
        _tokens = tokens;
        _indexes = new int[tokens.Length];
        for (var i = 0; i < tokens.Length; i++) _indexes[i] = AsIndex(tokens[i]);
    }

    /// <summary>Parses <paramref name="text"/>: empty (the whole document) or <c>/</c>-separated tokens with <c>~0</c> and <c>~1</c> escapes.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out JsonPointer? pointer, [NotNullWhen(false)] out string? error)
    {
        pointer = null;
        error = null;
        if (text.Length == 0) { pointer = new JsonPointer([]); return true; }
        if (text[0] != '/')
        {
            error = $"'{text}' is not a JSON pointer: it must start with '/' (e.g. /objectRef/name).";
            return false;
        }
        var raw = text[1..].Split('/');
        var tokens = new string[raw.Length];
        for (var i = 0; i < raw.Length; i++)
        {
            var token = raw[i];
            for (var j = token.IndexOf('~'); j >= 0; j = token.IndexOf('~', j + 1))
            {
                if (j + 1 >= token.Length || token[j + 1] is not ('0' or '1'))
                {
                    error = $"'{text}' is not a JSON pointer: '~' must be followed by 0 or 1 (~0 is '~', ~1 is '/').";
                    return false;
                }
            }
            tokens[i] = token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
        }
        pointer = new JsonPointer(tokens);
        return true;
    }

    public bool TryGet(JsonElement from, out JsonElement value)
    {
        value = from;
        for (var i = 0; i < _tokens.Length; i++)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Object:
                    if (!value.TryGetProperty(_tokens[i], out value)) return false;
                    break;
                case JsonValueKind.Array:
                    var index = _indexes[i];
                    if (index < 0 || index >= value.GetArrayLength()) return false;
                    value = value[index];
                    break;
                default:
                    return false;
            }
        }
        return true;
    }

    /// <summary>An array index per RFC 6901: <c>0</c> or digits without a leading zero.</summary>
    private static int AsIndex(string token)
    {
        if (token.Length == 0 || token.Length > 9 || (token.Length > 1 && token[0] == '0')) return -1;
        var value = 0;
        foreach (var c in token)
        {
            if (!char.IsAsciiDigit(c)) return -1;
            value = value * 10 + (c - '0');
        }
        return value;
    }
}
