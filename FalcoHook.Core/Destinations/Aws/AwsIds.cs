namespace FalcoHook.Core.Destinations.Aws;

/// <summary>Ids that SQS and SNS FIFO entries carry.</summary>
public static class AwsIds
{
    /// <summary>
    /// A valid message group or deduplication id: at most 128 characters, each a letter, digit or ASCII punctuation
    /// (the rest, spaces included, become <c>_</c>).
    /// </summary>
    public static string GroupId(string value)
    {
        var chars = value.Length > 128 ? value[..128].ToCharArray() : value.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
            if (!(char.IsAsciiLetterOrDigit(chars[i]) || (char.IsAscii(chars[i]) && (char.IsPunctuation(chars[i]) || char.IsSymbol(chars[i])))))
                chars[i] = '_';
        return chars.Length == 0 ? "_" : new string(chars);
    }
}
