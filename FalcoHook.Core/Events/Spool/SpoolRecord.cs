using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;
using FalcoHook.Core.Delivery;

namespace FalcoHook.Core.Events.Spool;

/// <summary>
/// An <see cref="EventRecord"/> as the spool holds it: <c>{"kind", "received", "notification", "decisions",
/// "deliveries"}</c>, the last three as the history stores them (<see cref="NotificationJson"/>, <see cref="EventJson"/>),
/// so what the writer process reads back is what the store would have been handed in the service.
/// </summary>
public static class SpoolRecord
{
    public static void Write(IBufferWriter<byte> buffer, EventRecord record)
    {
        using var writer = new Utf8JsonWriter(buffer);
        writer.WriteStartObject();
        writer.WriteNumber("kind", (int)record.Kind);
        writer.WriteString("received", record.Received);
        writer.WritePropertyName("notification");
        NotificationJson.Write(writer, record.Notification);
        writer.WritePropertyName("decisions");
        writer.WriteRawValue(EventJson.Decisions(record.Decisions), skipInputValidation: true);
        writer.WritePropertyName("deliveries");
        writer.WriteRawValue(EventJson.Deliveries(record.Deliveries), skipInputValidation: true);
        writer.WriteEndObject();
    }

    public static byte[] Serialize(EventRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(2048);
        Write(buffer, record);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads a record <see cref="Write"/> wrote, parsing it once; the record keeps its notification, decisions and
    /// deliveries as written (<see cref="EventRecord.Json"/>). <see cref="FormatException"/> or <see cref="JsonException"/>
    /// when it is not one.
    /// </summary>
    public static EventRecord Read(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        var kind = (EventKind)root.GetProperty("kind").GetInt32();
        if (!Enum.IsDefined(kind)) throw new FormatException($"Spool record has an unknown kind {(int)kind}.");
        var notification = root.GetProperty("notification");
        var decisions = root.GetProperty("decisions");
        var deliveries = root.GetProperty("deliveries");
        return new EventRecord(kind,
            NotificationJson.Read(notification),
            root.GetProperty("received").GetDateTimeOffset(),
            EventJson.ReadDecisions(decisions),
            EventJson.ReadDeliveries(deliveries))
        {
            Json = new EventRecordJson(Raw(notification), Raw(decisions), Raw(deliveries)),
        };
    }

    private static byte[] Raw(JsonElement element) => JsonMarshal.GetRawUtf8Value(element).ToArray();
}
