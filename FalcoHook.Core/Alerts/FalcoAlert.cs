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
    public IReadOnlyDictionary<string, JsonElement> Extra { get; init; } = EmptyExtra;

    private static readonly IReadOnlyDictionary<string, JsonElement> EmptyExtra = new Dictionary<string, JsonElement>();

    /// <summary>Writes the alert in Falco's shape.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        if (Hostname is not null) writer.WriteString("hostname", Hostname);
        writer.WriteString("output", Output);
        writer.WriteString("priority", Priority.ToFalcoString());
        writer.WriteString("rule", Rule);
        if (Source is not null) writer.WriteString("source", Source);
        writer.WriteStartArray("tags");
        foreach (var tag in Tags) writer.WriteStringValue(tag);
        writer.WriteEndArray();
        writer.WriteString("time", Time.ToString());
        if (OutputFields is not null)
        {
            writer.WritePropertyName("output_fields");
            writer.WriteStartObject();
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

    public byte[] ToJsonBytes()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions)) WriteTo(writer);
        return buffer.WrittenSpan.ToArray();
    }

    public string ToJson() => System.Text.Encoding.UTF8.GetString(ToJsonBytes());
}
