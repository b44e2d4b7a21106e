using System.Runtime.InteropServices;
using System.Text.Json;

namespace FalcoHook.Core.K8sAudit;

/// <summary>
/// The properties of an audit event that <see cref="AuditEventReader"/> checks, found in one pass over the event's
/// properties; an absent one is <c>default</c> (<see cref="JsonValueKind.Undefined"/>). As
/// <see cref="JsonElement.TryGetProperty(string, out JsonElement)"/> does, the last of repeated names counts.
/// </summary>
internal readonly record struct EventHeader(
    JsonElement Kind, JsonElement ApiVersion, JsonElement AuditId, JsonElement StageTimestamp, JsonElement RequestReceivedTimestamp)
{
    public static EventHeader Of(JsonElement evt)
    {
        JsonElement kind = default, apiVersion = default, auditId = default, stageTimestamp = default, received = default;
        foreach (var property in evt.EnumerateObject())
        {
            var name = JsonMarshal.GetRawUtf8PropertyName(property);
            switch (name.Length) // the five names differ in length, so one comparison decides
            {
                case 4 when name.SequenceEqual("kind"u8): kind = property.Value; continue;
                case 10 when name.SequenceEqual("apiVersion"u8): apiVersion = property.Value; continue;
                case 7 when name.SequenceEqual("auditID"u8): auditId = property.Value; continue;
                case 14 when name.SequenceEqual("stageTimestamp"u8): stageTimestamp = property.Value; continue;
                case 24 when name.SequenceEqual("requestReceivedTimestamp"u8): received = property.Value; continue;
            }
            if (!name.Contains((byte)'\\')) continue;
            // An escaped name (\u0061uditID) is compared unescaped, as a lookup by name compares it.
            if (property.NameEquals("kind"u8)) kind = property.Value;
            else if (property.NameEquals("apiVersion"u8)) apiVersion = property.Value;
            else if (property.NameEquals("auditID"u8)) auditId = property.Value;
            else if (property.NameEquals("stageTimestamp"u8)) stageTimestamp = property.Value;
            else if (property.NameEquals("requestReceivedTimestamp"u8)) received = property.Value;
        }
        return new EventHeader(kind, apiVersion, auditId, stageTimestamp, received);
    }
}
