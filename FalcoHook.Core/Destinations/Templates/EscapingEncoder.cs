using System.Text.Encodings.Web;

namespace FalcoHook.Core.Destinations.Templates;

/// <summary>
/// Escapes each value a template writes (<c>{{ output }}</c>) for the message's markup, and leaves the template's own
/// text as written: a template may use the markup, an alert's text never turns into it.
/// </summary>
public sealed class EscapingEncoder(Func<string, string> escape) : TextEncoder
{
    /// <summary>Writes values as they are (a plain-text title).</summary>
    public static readonly EscapingEncoder None = new(static s => s);

    public override int MaxOutputCharactersPerInputCharacter => 16;

    public override string Encode(string value) => escape(value);

    public override void Encode(TextWriter output, string value, int startIndex, int characterCount) =>
        output.Write(escape(value.Substring(startIndex, characterCount)));

    public override void Encode(TextWriter output, char[] value, int startIndex, int characterCount) =>
        output.Write(escape(new string(value, startIndex, characterCount)));

    public override unsafe int FindFirstCharacterToEncode(char* text, int textLength)
    {
        var value = new string(text, 0, textLength);
        var escaped = escape(value);
        if (escaped == value) return -1;
        var i = 0;
        while (i < value.Length && i < escaped.Length && value[i] == escaped[i]) i++;
        return i;
    }

    public override unsafe bool TryEncodeUnicodeScalar(int unicodeScalar, char* buffer, int bufferLength, out int numberOfCharactersWritten)
    {
        var escaped = escape(char.ConvertFromUtf32(unicodeScalar));
        if (escaped.Length > bufferLength)
        {
            numberOfCharactersWritten = 0;
            return false;
        }
        for (var i = 0; i < escaped.Length; i++) buffer[i] = escaped[i];
        numberOfCharactersWritten = escaped.Length;
        return true;
    }

    public override bool WillEncode(int unicodeScalar)
    {
        var text = char.ConvertFromUtf32(unicodeScalar);
        return escape(text) != text;
    }
}
