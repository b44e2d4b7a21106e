using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FalcoHook.Api.Endpoints;

/// <summary>
/// A Falco alert as Falco's <c>json_output</c> writes it. Only for the OpenAPI document: ingest reads the
/// body itself, so JSON values keep their exact form and unknown properties are kept.
/// </summary>
[Description("A Falco alert (json_output: true). Unknown properties are accepted and kept.")]
public sealed class FalcoAlertDocument
{
    [JsonPropertyName("time"), Description("RFC 3339, e.g. 2023-05-25T13:44:05.478445995Z")]
    public required string Time { get; init; }

    [JsonPropertyName("rule"), Description("The rule's name; required and non-empty")]
    public required string Rule { get; init; }

    [JsonPropertyName("priority"), Description("Emergency, Alert, Critical, Error, Warning, Notice, Informational (or Info), Debug; any case")]
    public required string Priority { get; init; }

    [JsonPropertyName("output")] public string? Output { get; init; }
    [JsonPropertyName("source"), Description("syscall, k8s_audit, a plugin source or internal")] public string? Source { get; init; }
    [JsonPropertyName("hostname")] public string? Hostname { get; init; }
    [JsonPropertyName("tags")] public IReadOnlyList<string>? Tags { get; init; }

    [JsonPropertyName("output_fields"), Description("Optional; values keep their JSON types (evt.time stays an integer)")]
    public IReadOnlyDictionary<string, JsonElement>? OutputFields { get; init; }
}
