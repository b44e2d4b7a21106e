using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FalcoHook.Api.Endpoints;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Pipeline;

/// <summary>
/// The destinations example of README.md ("Send alerts on"), read from the README itself, run by the real service
/// with the real condition compiler, plus a pipeline <c>Drop</c> condition: what the example promises is what happens.
/// </summary>
public sealed partial class ReadmeRoutingExampleTests
{
    private const string Drop = "falco.source = k8s_audit and ka.uri in (/healthz, /readyz, /livez)";

    [Fact]
    public async Task The_readme_destinations_route_by_priority_and_condition_and_a_drop_condition_drops()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var destinations = ReadmeDestinations();
        Assert.Equal(["pd-oncall", "siem", "slack-sec"], destinations.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("falco.source = k8s_audit and not ka.user.name startswith system:", destinations["siem"]["Condition"]);
        using var factory = new FalcoHookFactory().With("FalcoHook:Pipeline:Drop:0", Drop);
        foreach (var (name, keys) in destinations)
        {
            foreach (var (key, value) in keys) factory.With($"FalcoHook:Destinations:{name}:{key}", Working(key, value, name));
            factory.With($"FalcoHook:Destinations:{name}:Url", receiver.Url("/" + name));
        }
        var client = factory.CreateClient();

        var alerts = new[]
        {
            Alert("by a person", "Warning", "k8s_audit", user: "alice@example.com", uri: "/api/v1/namespaces/shop/secrets/db"),
            Alert("by the system", "Warning", "k8s_audit", user: "system:kube-controller-manager", uri: "/api/v1/namespaces/shop/secrets/db"),
            Alert("a probe", "Critical", "k8s_audit", user: "alice@example.com", uri: "/readyz"),
            Alert("on a node", "Critical", "syscall"),
        };
        using var body = new StringContent($"[{string.Join(",", alerts)}]", Encoding.UTF8, "application/json");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/", body)).StatusCode);
        await Eventually.TrueAsync(() => factory.Recorder.Total == alerts.Length, "the four alerts through the pipeline");

        // Every routing decision is in the outbox once the pipeline handled the batch.
        var routed = (await client.GetFromJsonAsync<DeliveryListDto>("/api/v1/deliveries?limit=100"))!.Items
            .Select(d => $"{d.Rule} -> {d.Destination}").Order(StringComparer.Ordinal);
        Assert.Equal([
            "by a person -> siem", "by a person -> slack-sec",
            "by the system -> slack-sec",
            "on a node -> pd-oncall", "on a node -> slack-sec",
        ], routed);

        // And they arrive where they were routed, the siem webhook signed with its secret.
        var arrived = await receiver.WaitForRequestsAsync(5);
        Assert.Equal(["/pd-oncall", "/siem", "/slack-sec", "/slack-sec", "/slack-sec"], arrived.Select(r => r.Path).Order(StringComparer.Ordinal));
        var siem = Assert.Single(arrived, r => r.Path == "/siem");
        Assert.Equal("by a person", siem.Json.GetProperty("rule").GetString());
        Assert.NotNull(siem.Header("webhook-signature"));
        Assert.DoesNotContain(arrived, r => r.BodyText.Contains("a probe", StringComparison.Ordinal));
    }

    /// <summary>The <c>Destinations</c> object of the README's JSON example under "Send alerts on", as keys and text values.</summary>
    private static Dictionary<string, Dictionary<string, string>> ReadmeDestinations()
    {
        var readme = File.ReadAllText(Path.Combine(SharedCorpus.RepositoryRoot, "README.md"));
        var section = readme[readme.IndexOf("## Send alerts on", StringComparison.Ordinal)..];
        var example = JsonBlock().Match(section);
        Assert.True(example.Success, "README.md: no ```json example under \"Send alerts on\"");
        using var document = JsonDocument.Parse("{" + example.Groups[1].Value + "}");
        return document.RootElement.GetProperty("FalcoHook").GetProperty("Destinations").EnumerateObject().ToDictionary(
            d => d.Name,
            d => d.Value.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!));
    }

    /// <summary>The example's elided values ("...") become working ones; every address is replaced by the fake receiver's.</summary>
    private static string Working(string key, string value, string destination) => !value.Contains("...", StringComparison.Ordinal) ? value
        : key == "Secret" ? "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))
        : $"{destination}-{key}-for-tests";

    private static string Alert(string rule, string priority, string source, string? user = null, string? uri = null)
    {
        var fields = source == "k8s_audit" ? $$""","output_fields":{"ka.user.name":"{{user}}","ka.uri":"{{uri}}"}""" : "";
        return $$"""{"rule":"{{rule}}","priority":"{{priority}}","time":"2026-01-01T00:00:00Z","source":"{{source}}","hostname":"node-1","output":"{{rule}}"{{fields}}}""";
    }

    [GeneratedRegex(@"```json\s*\n(.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
