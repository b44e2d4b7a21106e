using System.Text.Json;

namespace FalcoHook.Core.K8sAudit;

/// <summary>Parsing and wording helpers of <see cref="AuditEventReader"/>.</summary>
internal static class AuditJson
{
    public static bool TryParse(ReadOnlySpan<byte> body, out JsonDocument document, out string error)
    {
        document = null!;
        error = "";
        if (body.StartsWith("\uFEFF"u8)) body = body[3..]; // a UTF-8 byte order mark from an editor
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = AuditEventReader.MaxDepth });
            var parsed = JsonDocument.ParseValue(ref reader);
            if (!IsBlank(body[(int)reader.BytesConsumed..]))
            {
                parsed.Dispose();
                error = $"unexpected data after the JSON value at byte {reader.BytesConsumed + 1} (send several values as JSON Lines).";
                return false;
            }
            document = parsed;
            return true;
        }
        catch (JsonException e)
        {
            error = e.Message.Contains("depth", StringComparison.OrdinalIgnoreCase)
                ? $"it nests deeper than {AuditEventReader.MaxDepth} levels{Where(e)}."
                : $"{FirstSentence(e.Message)}{Where(e)}.";
            return false;
        }
    }

    /// <summary>
    /// The document of a body that is one JSON value and nothing else, parsed in place (the document reads
    /// <paramref name="body"/> for its lifetime); null for anything else, which <see cref="TryParse"/> then words.
    /// </summary>
    public static JsonDocument? TryParseInPlace(ReadOnlyMemory<byte> body)
    {
        if (body.Span.StartsWith("\uFEFF"u8)) body = body[3..];
        try
        {
            return JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = AuditEventReader.MaxDepth });
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Where(JsonException e) =>
        e.LineNumber is { } line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut < 0) cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return (cut > 0 ? message[..cut] : message).TrimEnd('.', ' ');
    }

    public static string Join(string prefix, string field) => prefix.Length == 0 ? field : $"{prefix}.{field}";

    public static bool IsBlank(ReadOnlySpan<byte> bytes) => JsonWords.IsBlank(bytes);

    public static string Kind(JsonValueKind kind) => JsonWords.Kind(kind);
}
