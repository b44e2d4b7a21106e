extern alias JsonSchemaNet;
using System.Text.Json;
using System.Text.Json.Nodes;
using FalcoHook.Tests.Support;
using JsonSchemaNet::Json.Schema;
using YamlDotNet.RepresentationModel;

namespace FalcoHook.Tests.AlertmanagerApi;

/// <summary>
/// Alertmanager's own API specification (<c>shared/reference/alertmanager-api-v2.yaml</c>, Swagger 2.0) as JSON Schemas:
/// the YAML is read with YamlDotNet, and each body schema of an operation becomes a schema whose <c>$ref</c>s resolve
/// into the specification's <c>definitions</c> (moved to <c>$defs</c>). JsonSchema.Net validates, formats included.
/// </summary>
public sealed class AlertmanagerSpec
{
    private static readonly Lazy<AlertmanagerSpec> Shared = new(() => new AlertmanagerSpec(
        Path.Combine(SharedCorpus.RepositoryRoot, "..", "shared", "reference", "alertmanager-api-v2.yaml")));

    private readonly JsonObject _spec;
    private int _built;

    private AlertmanagerSpec(string path)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(path)) yaml.Load(reader);
        _spec = (JsonObject)ToJson(yaml.Documents[0].RootNode)!;
    }

    public static AlertmanagerSpec Load() => Shared.Value;

    /// <summary>The schema of the body of <paramref name="method"/> <paramref name="path"/>'s <paramref name="status"/> answer.</summary>
    public JsonSchema Response(string path, string method, int status) =>
        Build(Answer(path, method, status)["schema"] ?? throw new ArgumentException($"{method} {path} {status} has no body in the specification."));

    /// <summary>Whether the specification gives <paramref name="method"/> <paramref name="path"/>'s answer a body.</summary>
    public bool ResponseHasBody(string path, string method, int status) => Answer(path, method, status)["schema"] is not null;

    private JsonNode Answer(string path, string method, int status)
    {
        var response = _spec["paths"]![path]![method]!["responses"]![status.ToString(System.Globalization.CultureInfo.InvariantCulture)]
                       ?? throw new ArgumentException($"The specification has no {status} answer for {method} {path}.");
        return response["$ref"] is { } reference ? _spec["responses"]![reference.GetValue<string>().Split('/')[^1]]! : response;
    }

    /// <summary>The schema of <paramref name="method"/> <paramref name="path"/>'s request body.</summary>
    public JsonSchema Request(string path, string method)
    {
        var body = _spec["paths"]![path]![method]!["parameters"]!.AsArray().Single(p => p!["in"]!.GetValue<string>() == "body");
        return Build(body!["schema"]!);
    }

    /// <summary>The named definition.</summary>
    public JsonSchema Definition(string name) => Build(new JsonObject { ["$ref"] = $"#/definitions/{name}" });

    /// <summary>Validates <paramref name="json"/>; the failures, each with its instance location, or none.</summary>
    public static IReadOnlyList<string> Errors(JsonSchema schema, string json)
    {
        using var document = JsonDocument.Parse(json);
        var result = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        if (result.IsValid) return [];
        return (result.Details ?? [])
            .Where(d => d.Errors is { Count: > 0 })
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.SchemaLocation}): {e.Key}: {e.Value}"))
            .DefaultIfEmpty("invalid")
            .ToList();
    }

    /// <summary>Fails with every schema error when <paramref name="json"/> does not match.</summary>
    public static void AssertValid(JsonSchema schema, string json, string what)
    {
        var errors = Errors(schema, json);
        Assert.True(errors.Count == 0, $"{what} does not match Alertmanager's specification:\n{string.Join('\n', errors)}\n{json}");
    }

    private JsonSchema Build(JsonNode schema)
    {
        var root = new JsonObject
        {
            ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
            ["$defs"] = Rewrite(_spec["definitions"]!.DeepClone()),
        };
        foreach (var (key, value) in Rewrite(schema.DeepClone())!.AsObject().ToList()) root[key] = value?.DeepClone();
        var id = new Uri($"https://falcohook.test/alertmanager/{Interlocked.Increment(ref _built)}");
        return JsonSchema.FromText(root.ToJsonString(), new BuildOptions(), id);
    }

    /// <summary>Swagger's <c>#/definitions/x</c> references as <c>#/$defs/x</c>.</summary>
    private static JsonNode? Rewrite(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (key == "$ref" && value is JsonValue v && v.GetValue<string>().StartsWith("#/definitions/", StringComparison.Ordinal))
                        obj[key] = "#/$defs/" + v.GetValue<string>()["#/definitions/".Length..];
                    else Rewrite(value);
                }
                break;
            case JsonArray array:
                foreach (var item in array) Rewrite(item);
                break;
        }
        return node;
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, ToJson(c.Value)))),
        YamlSequenceNode seq => new JsonArray(seq.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar when scalar.Style == YamlDotNet.Core.ScalarStyle.Plain => Plain(scalar.Value ?? ""),
        YamlScalarNode scalar => JsonValue.Create(scalar.Value),
        _ => throw new NotSupportedException(node.GetType().Name),
    };

    private static JsonNode? Plain(string text) => text switch
    {
        "true" => JsonValue.Create(true),
        "false" => JsonValue.Create(false),
        "null" or "~" or "" => null,
        _ when long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var n) => JsonValue.Create(n),
        _ => JsonValue.Create(text),
    };
}
