using System.Text.Json;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Destinations.Aws;

/// <summary>A field of an alert as text, by the names conditions use: <c>falco.rule</c>, <c>falco.priority</c>, <c>falco.source</c>, <c>falco.hostname</c>, or an <c>output_fields</c> key.</summary>
public static class AlertField
{
    public static string? Value(FalcoAlert alert, string field) => field switch
    {
        "falco.rule" or "rule" => alert.Rule,
        "falco.priority" or "priority" => alert.Priority.ToFalcoString(),
        "falco.source" or "source" => alert.Source,
        "falco.hostname" or "hostname" => alert.Hostname,
        _ => alert.OutputFields is { } fields && fields.TryGetValue(field, out var value) ? Text(value) : null,
    };

    private static string? Text(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        _ => value.GetRawText(),
    };
}
