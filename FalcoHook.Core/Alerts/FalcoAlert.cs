using System.Buffers;
using System.Text;
using System.Text.Json;

namespace FalcoHook.Core.Alerts;

/// <summary>
/// One Falco alert, as Falco's <c>json_output</c> writes it. Values of <see cref="OutputFields"/> and of
/// unknown properties are kept as the exact JSON that arrived (a 19-digit <c>evt.time</c> stays that integer).
/// </summary>
public sealed class FalcoAlert
{
    public required string Rule { get; init; }
    public required Priority Priority { get; init; }
    public required FalcoTime Time { get; init; }
    public string Output { get; init; } = "";
    public string? Source { get; init; }
    public string? Hostname { get; init; }
    public IReadOnlyList<string> Tags { get; init; } = [];

    /// <summary><c>output_fields</c>; null when the alert had none (Falco can be told not to send it).</summary>
    public IReadOnlyDictionary<string, JsonElement>? OutputFields { get; init; }

    /// <summary>Properties Falco may add that we do not model (<c>uuid</c>, <c>message</c>…), kept as they came.</summary>
    public IReadOnlyDictionary<string, JsonElement> Extra { get; init; } = NoExtra;

    /// <summary>The shared empty <see cref="Extra"/>.</summary>
    internal static readonly IReadOnlyDictionary<string, JsonElement> NoExtra = new Dictionary<string, JsonElement>();

    private string? _json;

    /// <summary>Whether <see cref="Tags"/> holds <paramref name="tag"/>, ignoring case (as Falco's tag filters do).</summary>
    public bool HasTag(string tag)
    {
        foreach (var own in Tags) if (string.Equals(own, tag, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>Writes the alert in Falco's shape.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        if (Hostname is not null) writer.WriteString(Names.Hostname, Hostname);
        writer.WriteString(Names.Output, Output);
        writer.WriteString(Names.Priority, Priority.ToFalcoString());
        writer.WriteString(Names.Rule, Rule);
        if (Source is not null) writer.WriteString(Names.Source, Source);
        writer.WriteStartArray(Names.Tags);
        foreach (var tag in Tags) writer.WriteStringValue(tag);
        writer.WriteEndArray();
        Span<byte> time = stackalloc byte[FalcoTime.TextLength];
        Time.Format(time);
        writer.WriteString(Names.Time, time);
        if (OutputFields is not null)
        {
            writer.WriteStartObject(Names.OutputFields);
            foreach (var (key, value) in OutputFields)
            {
                writer.WritePropertyName(key);
                value.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        foreach (var (key, value) in Extra)
        {
            writer.WritePropertyName(key);
            value.WriteTo(writer);
        }
        writer.WriteEndObject();
    }

    /// <summary>Falco writes <c>&lt;NA&gt;</c> and quotes as they are, not as <c>\u003C</c> escapes; so do we.</summary>
    public static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public byte[] ToJsonBytes() => Serialize(static span => span.ToArray());

    /// <summary>
    /// The alert as Falco's JSON (<see cref="WriteTo"/> with <see cref="WriterOptions"/>), written once and then kept:
    /// the alert does not change after it is built, and the inbox row and the security event log both need it.
    /// </summary>
    public string ToJson() => _json ??= Serialize(static span => Encoding.UTF8.GetString(span));

    private delegate T SpanFunc<out T>(ReadOnlySpan<byte> span);

    /// <summary>Serialises into this thread's reusable buffer and writer, then hands the bytes to <paramref name="result"/>.</summary>
    private T Serialize<T>(SpanFunc<T> result)
    {
        var scratch = t_scratch ??= new Scratch();
        t_scratch = null; // a nested call (none today) would get a scratch of its own
        try
        {
            scratch.Buffer.ResetWrittenCount();
            scratch.Writer.Reset(scratch.Buffer);
            WriteTo(scratch.Writer);
            scratch.Writer.Flush();
            return result(scratch.Buffer.WrittenSpan);
        }
        finally
        {
            // Keep the buffer for the next alert unless one huge alert grew it.
            if (scratch.Buffer.Capacity <= Scratch.MaxKeptBytes) t_scratch = scratch;
        }
    }

    [ThreadStatic] private static Scratch? t_scratch;

    private sealed class Scratch
    {
        public const int MaxKeptBytes = 64 * 1024;
        public readonly ArrayBufferWriter<byte> Buffer = new(2048);
        public readonly Utf8JsonWriter Writer;
        public Scratch() => Writer = new Utf8JsonWriter(Buffer, WriterOptions);
    }

    private static class Names
    {
        public static readonly JsonEncodedText Hostname = JsonEncodedText.Encode("hostname");
        public static readonly JsonEncodedText Output = JsonEncodedText.Encode("output");
        public static readonly JsonEncodedText Priority = JsonEncodedText.Encode("priority");
        public static readonly JsonEncodedText Rule = JsonEncodedText.Encode("rule");
        public static readonly JsonEncodedText Source = JsonEncodedText.Encode("source");
        public static readonly JsonEncodedText Tags = JsonEncodedText.Encode("tags");
        public static readonly JsonEncodedText Time = JsonEncodedText.Encode("time");
        public static readonly JsonEncodedText OutputFields = JsonEncodedText.Encode("output_fields");
    }
}
