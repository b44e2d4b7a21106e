using System.Text.Json;

namespace FalcoHook.Core;

/// <summary>How the readers of received bodies talk about JSON in their error messages.</summary>
internal static class JsonWords
{
    /// <summary>"an object", "a string"…: what a value is, for "Expected X, got Y".</summary>
    public static string Kind(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>True when the bytes are only JSON white space.</summary>
    public static bool IsBlank(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes) if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')) return false;
        return true;
    }
}
