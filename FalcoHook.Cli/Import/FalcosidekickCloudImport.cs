using System.Text.Json.Nodes;

namespace FalcoHook.Cli.Import;

public static partial class FalcosidekickImport
{
    private delegate IEnumerable<(string Name, JsonObject Destination)> CloudMapper(FalcosidekickSection section, IReadOnlySet<string> types,
        List<NotCarried> notCarried, SidekickTls tls);

    /// <summary>
    /// Falcosidekick's sections that hold several outputs and settings they share (<c>gcp:</c>, <c>azure:</c>); each output
    /// FalcoHook has becomes a destination named after its type, the others are reported.
    /// </summary>
    private static readonly Dictionary<string, CloudMapper> CloudSections = new(StringComparer.Ordinal)
    {
        ["gcp"] = Gcp,
        ["azure"] = Azure,
    };

    /// <summary>
    /// <c>gcp.pubsub</c> (<c>projectid</c>, <c>topic</c>, <c>customattributes</c>) becomes a <c>pubsub</c> destination with
    /// <c>gcp.credentials</c> (the base64 key) as its <c>Credentials</c>; Falcosidekick without credentials used Google's
    /// default credentials, which FalcoHook does not look for. Storage, Cloud Functions and Cloud Run are not carried.
    /// </summary>
    private static IEnumerable<(string, JsonObject)> Gcp(FalcosidekickSection gcp, IReadOnlySet<string> types, List<NotCarried> notCarried, SidekickTls tls)
    {
        var credentials = gcp.Text("credentials");
        var pubsub = Output(gcp, "pubsub");
        if (pubsub.Text("projectid") is { } project && pubsub.Text("topic") is { } topic)
        {
            if (!types.Contains("pubsub")) notCarried.Add(new("gcp.pubsub", "this FalcoHook build has no pubsub destination type"));
            else
            {
                if (credentials is null)
                    notCarried.Add(new("gcp.pubsub", "Falcosidekick used Google's default credentials (workload identity, gcloud); FalcoHook needs a service-account key: set Credentials or CredentialsFile"));
                yield return ("pubsub", Destination(pubsub, new JsonObject
                {
                    ["Project"] = project, ["Topic"] = topic, ["Credentials"] = credentials, ["Attributes"] = Object(pubsub.Map("customattributes")),
                }, notCarried, tls, "pubsub"));
            }
        }
        foreach (var other in OtherKeys(gcp, "pubsub"))
            notCarried.Add(new($"gcp.{other}", $"FalcoHook has no gcp.{other} destination"));
    }

    /// <summary>
    /// <c>azure.eventhub</c> (<c>namespace</c>, <c>name</c>) becomes an <c>eventhubs</c> destination. Falcosidekick signs in
    /// with an Azure identity (DefaultAzureCredential, <c>podidentityclientid</c>); FalcoHook sends with a Shared Access
    /// Signature, so the policy's key name and key are to be added.
    /// </summary>
    private static IEnumerable<(string, JsonObject)> Azure(FalcosidekickSection azure, IReadOnlySet<string> types, List<NotCarried> notCarried, SidekickTls tls)
    {
        var hub = Output(azure, "eventhub");
        if (hub.Text("name") is { } name)
        {
            if (!types.Contains("eventhubs")) notCarried.Add(new("azure.eventhub", "this FalcoHook build has no eventhubs destination type"));
            else
            {
                notCarried.Add(new("azure.eventhub", "Falcosidekick signs in with an Azure identity; FalcoHook sends with a Shared Access Signature: add SharedAccessKeyName and SharedAccessKey of a policy with Send (or a ConnectionString)"));
                yield return ("eventhubs", Destination(hub, new JsonObject { ["Namespace"] = hub.Text("namespace"), ["EventHub"] = name }, notCarried, tls, "eventhubs"));
            }
        }
        foreach (var key in (string[])["podidentityclientid", "podidentityname"])
            if (azure.Text(key) is not null) notCarried.Add(new($"azure.{key}", "FalcoHook does not sign in with an Azure identity"));
        foreach (var other in OtherKeys(azure, "eventhub"))
            notCarried.Add(new($"azure.{other}", $"FalcoHook has no azure.{other} destination"));
    }

    /// <summary>
    /// One output of a cloud section: its YAML mapping (<c>gcp: pubsub: topic:</c>) or its environment variables, which
    /// arrive as the section's keys with the output's prefix (<c>GCP_PUBSUB_TOPIC</c> is <c>gcp.pubsub_topic</c>).
    /// </summary>
    private static FalcosidekickSection Output(FalcosidekickSection section, string output)
    {
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (key, value) in section.Values(output)) values[key.ToLowerInvariant()] = value;
        foreach (var key in section.Keys().Where(k => k.StartsWith(output + "_", StringComparison.Ordinal)))
            values[key[(output.Length + 1)..]] = section.Text(key);
        return new FalcosidekickSection($"{section.Name}.{output}", values);
    }

    /// <summary>The section's keys that are set and were not read: other outputs (by the first part of a flattened name) and settings.</summary>
    private static IEnumerable<string> OtherKeys(FalcosidekickSection section, string carried) =>
        section.Unread().Select(k => k.Split('_', 2)[0]).Where(k => k != carried).Distinct(StringComparer.Ordinal);
}
