using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using Google.Protobuf;

namespace FalcoHook.Core.Destinations.Otlp;

/// <summary>
/// Writes an OTLP <c>ExportLogsServiceRequest</c> by hand with the specification's field numbers: one
/// <c>ResourceLogs</c> (resource attributes <c>service.name</c>, <c>host.name</c> and the configured ones) holding one
/// <c>ScopeLogs</c> (scope <c>falcohook</c>) with a <c>LogRecord</c> per delivery: <c>time_unix_nano</c> the alert's
/// time, <c>observed_time_unix_nano</c> the send, <c>severity_number</c>/<c>severity_text</c> from the priority,
/// <c>body</c> the output, and attributes <c>falco.rule</c>, <c>falco.priority</c>, <c>falco.source</c>,
/// <c>falco.hostname</c>, <c>falco.tags</c> (an array), <c>falcohook.delivery_id</c> and every output field under its
/// own key (numbers, booleans and arrays keep their type; objects are flattened with dots). Storm summaries carry their
/// <c>falcohook.*</c> fields (<see cref="SummaryFields"/>).
/// </summary>
public static class OtlpLogs
{
    // opentelemetry/proto/collector/logs/v1 and logs/v1, resource/v1, common/v1: field numbers.
    private const int RequestResourceLogs = 1;
    private const int ResourceLogsResource = 1, ResourceLogsScopeLogs = 2;
    private const int ResourceAttributes = 1;
    private const int ScopeLogsScope = 1, ScopeLogsLogRecords = 2;
    private const int ScopeName = 1, ScopeVersion = 2;
    private const int RecordTime = 1, RecordSeverityNumber = 2, RecordSeverityText = 3, RecordBody = 5, RecordAttributes = 6, RecordObservedTime = 11;
    private const int KeyValueKey = 1, KeyValueValue = 2;
    private const int AnyString = 1, AnyBool = 2, AnyInt = 3, AnyDouble = 4, AnyArray = 5;
    private const int ArrayValues = 1;

    /// <summary>The data model's severity numbers for Falco's priorities (the syslog levels they come from).</summary>
    public static int SeverityNumber(Priority priority) => priority switch
    {
        Priority.Emergency => 22, // FATAL2
        Priority.Alert => 21, // FATAL
        Priority.Critical => 18, // ERROR2
        Priority.Error => 17, // ERROR
        Priority.Warning => 13, // WARN
        Priority.Notice => 10, // INFO2
        Priority.Informational => 9, // INFO
        _ => 5, // DEBUG
    };

    public static byte[] Request(IReadOnlyList<DeliveryAttempt> batch, OtlpSettings settings, string hostName, long observedUnixNano)
    {
        var scopeLogs = Message(o =>
        {
            Nested(o, ScopeLogsScope, Message(scope =>
            {
                String(scope, ScopeName, "falcohook");
                String(scope, ScopeVersion, Version);
            }));
            foreach (var attempt in batch) Nested(o, ScopeLogsLogRecords, Record(attempt, observedUnixNano));
        });
        var resource = Message(o =>
        {
            Attribute(o, ResourceAttributes, "service.name", settings.ServiceName);
            Attribute(o, ResourceAttributes, "host.name", hostName);
            foreach (var (key, value) in settings.ResourceAttributes) Attribute(o, ResourceAttributes, key, value);
        });
        var resourceLogs = Message(o =>
        {
            Nested(o, ResourceLogsResource, resource);
            Nested(o, ResourceLogsScopeLogs, scopeLogs);
        });
        return Message(o => Nested(o, RequestResourceLogs, resourceLogs));
    }

    private static byte[] Record(DeliveryAttempt attempt, long observedUnixNano)
    {
        var alert = SummaryFields.AlertOf(attempt.Notification);
        return Message(o =>
        {
            o.WriteTag(RecordTime, WireFormat.WireType.Fixed64);
            o.WriteFixed64((ulong)alert.Time.UnixNanoseconds);
            o.WriteTag(RecordSeverityNumber, WireFormat.WireType.Varint);
            o.WriteEnum(SeverityNumber(alert.Priority));
            String(o, RecordSeverityText, alert.Priority.ToFalcoString());
            Nested(o, RecordBody, Message(body => String(body, AnyString, alert.Output)));
            Attribute(o, RecordAttributes, "falco.rule", alert.Rule);
            Attribute(o, RecordAttributes, "falco.priority", alert.Priority.ToFalcoString());
            if (alert.Source is { } source) Attribute(o, RecordAttributes, "falco.source", source);
            if (alert.Hostname is { } hostname) Attribute(o, RecordAttributes, "falco.hostname", hostname);
            if (alert.Tags.Count > 0)
                Nested(o, RecordAttributes, KeyValue("falco.tags", Message(any => Nested(any, AnyArray, Message(array =>
                {
                    foreach (var tag in alert.Tags) Nested(array, ArrayValues, Message(v => String(v, AnyString, tag)));
                })))));
            Attribute(o, RecordAttributes, "falcohook.delivery_id", attempt.DeliveryId);
            foreach (var (key, value) in alert.OutputFields ?? new Dictionary<string, JsonElement>()) Field(o, key, value);
            o.WriteTag(RecordObservedTime, WireFormat.WireType.Fixed64);
            o.WriteFixed64((ulong)observedUnixNano);
        });
    }

    /// <summary>An output field as an attribute: objects flattened (<c>a.b</c>), everything else one typed value.</summary>
    private static void Field(CodedOutputStream o, string key, JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in value.EnumerateObject()) Field(o, key + "." + property.Name, property.Value);
            return;
        }
        if (value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined) return;
        Nested(o, RecordAttributes, KeyValue(key, Any(value)));
    }

    private static byte[] Any(JsonElement value) => Message(o =>
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.True or JsonValueKind.False:
                o.WriteTag(AnyBool, WireFormat.WireType.Varint);
                o.WriteBool(value.ValueKind == JsonValueKind.True);
                break;
            case JsonValueKind.Number when value.TryGetInt64(out var whole):
                o.WriteTag(AnyInt, WireFormat.WireType.Varint);
                o.WriteInt64(whole);
                break;
            case JsonValueKind.Number:
                o.WriteTag(AnyDouble, WireFormat.WireType.Fixed64);
                o.WriteDouble(value.GetDouble());
                break;
            case JsonValueKind.Array:
                Nested(o, AnyArray, Message(array =>
                {
                    foreach (var item in value.EnumerateArray())
                        if (item.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined)) Nested(array, ArrayValues, Any(item));
                }));
                break;
            case JsonValueKind.String:
                String(o, AnyString, value.GetString() ?? "");
                break;
            default:
                String(o, AnyString, value.GetRawText());
                break;
        }
    });

    private static void Attribute(CodedOutputStream o, int field, string key, string value) =>
        Nested(o, field, KeyValue(key, Message(any => String(any, AnyString, value))));

    private static byte[] KeyValue(string key, byte[] anyValue) => Message(o =>
    {
        String(o, KeyValueKey, key);
        Nested(o, KeyValueValue, anyValue);
    });

    private static void String(CodedOutputStream o, int field, string value)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteString(value);
    }

    private static void Nested(CodedOutputStream o, int field, byte[] message)
    {
        o.WriteTag(field, WireFormat.WireType.LengthDelimited);
        o.WriteBytes(UnsafeByteOperations.UnsafeWrap(message));
    }

    private static byte[] Message(Action<CodedOutputStream> write)
    {
        using var stream = new MemoryStream();
        using (var output = new CodedOutputStream(stream, leaveOpen: true))
        {
            write(output);
        }
        return stream.ToArray();
    }

    private static readonly string Version =
        typeof(OtlpLogs).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";

    /// <summary>
    /// The <c>partial_success</c> of an <c>ExportLogsServiceResponse</c>: <c>rejected_log_records</c> and
    /// <c>error_message</c> (zero and null when the body has none or is not protobuf).
    /// </summary>
    public static (long Rejected, string? Message) PartialSuccess(byte[] body)
    {
        try
        {
            var input = new CodedInputStream(body);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) != 1 || WireFormat.GetTagWireType(tag) != WireFormat.WireType.LengthDelimited)
                {
                    input.SkipLastField();
                    continue;
                }
                var partial = new CodedInputStream(input.ReadBytes().ToByteArray());
                long rejected = 0;
                string? message = null;
                while ((tag = partial.ReadTag()) != 0)
                {
                    switch (WireFormat.GetTagFieldNumber(tag))
                    {
                        case 1 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.Varint: rejected = partial.ReadInt64(); break;
                        case 2 when WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited: message = partial.ReadString(); break;
                        default: partial.SkipLastField(); break;
                    }
                }
                return (rejected, string.IsNullOrEmpty(message) ? null : message);
            }
        }
        catch (InvalidProtocolBufferException)
        {
        }
        return (0, null);
    }

    /// <summary>The <c>message</c> (field 2) of a <c>google.rpc.Status</c> failure body; null when there is none.</summary>
    public static string? StatusMessage(byte[] body)
    {
        try
        {
            var input = new CodedInputStream(body);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                if (WireFormat.GetTagFieldNumber(tag) == 2 && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited) return input.ReadString();
                input.SkipLastField();
            }
        }
        catch (InvalidProtocolBufferException)
        {
        }
        return null;
    }
}
