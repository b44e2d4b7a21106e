using System.Text.Json;
using System.Text.RegularExpressions;
using FalcoHook.Api.Endpoints;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Pipeline.State;
using FalcoHook.Core.Silences;
using FalcoHook.Core.TimeIntervals;
using FalcoHook.Tests.AlertmanagerApi;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FalcoHook.Tests.Pipeline;

/// <summary>
/// The inhibition example of README.md, read from the README itself, through the real service and <c>POST /</c>: a
/// "Container escape" on a host keeps "Terminal shell in container" on that host from being sent for ten minutes
/// (counted, recorded with the inhibiting alert in /api/v2/alerts); on another host, or after the ten minutes, it is sent.
/// The pipeline runs on a fake clock.
/// </summary>
public sealed partial class InhibitReadmeExampleTests
{
    [Fact]
    public async Task A_container_escape_inhibits_shells_on_the_same_host_for_ten_minutes()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var factory = new FalcoHookFactory().WithApiKeys()
            .With("FalcoHook:Destinations:siem:Type", "webhook")
            .With("FalcoHook:Destinations:siem:Url", receiver.Url("/siem"))
            .With("FalcoHook:Pipeline:Dedup:Enabled", "false")
            .WithServices(services => services.AddSingleton(sp => AlertPipeline.Create(
                sp.GetRequiredService<IOptions<PipelineOptions>>().Value,
                sp.GetRequiredService<IOptions<DestinationRoutingOptions>>().Value.Destinations,
                sp.GetRequiredService<IAlertConditionCompiler>(), sp.GetRequiredService<ISilenceStore>(), sp.GetRequiredService<IOutbox>(),
                clock, sp.GetRequiredService<PipelineTelemetry>(), sp.GetService<IPipelineStateStore>(),
                sp.GetServices<IAlertDecisionSink>(), sp.GetRequiredService<TimeIntervalSet>())));
        foreach (var (key, value) in ReadmeExample()) factory.With(key, value);
        var client = factory.Client();
        using var metrics = new MetricRecorder(factory.Services.GetRequiredService<PipelineTelemetry>().Meter);

        await AmAlerts.PostAsync(factory, client, AmAlerts.Json("Container escape", "node-1"));
        clock.Advance(TimeSpan.FromMinutes(1));
        await AmAlerts.PostAsync(factory, client, AmAlerts.Json("Terminal shell in container", "node-1"), AmAlerts.Json("Terminal shell in container", "node-2"));
        Assert.Equal(1, metrics.Total("falcohook.pipeline.inhibited"));
        Assert.Equal(["Container escape", "Terminal shell in container"], await DeliveriesAsync(client));
        var first = await receiver.WaitForRequestsAsync(2);
        Assert.Equal(["node-1", "node-2"], first.Select(r => r.Json.GetProperty("hostname").GetString()).Order(StringComparer.Ordinal));

        var alerts = (await client.GetFromJsonAsync<JsonElement>("/api/v2/alerts")).EnumerateArray().ToList();
        var escape = alerts.Single(a => a.GetProperty("labels").GetProperty("alertname").GetString() == "Container escape");
        var shell = alerts.Single(a => a.GetProperty("labels").GetProperty("hostname").GetString() == "node-1" &&
                                          a.GetProperty("labels").GetProperty("alertname").GetString() == "Terminal shell in container");
        Assert.Equal("suppressed", shell.GetProperty("status").GetProperty("state").GetString());
        Assert.Equal(escape.GetProperty("fingerprint").GetString(), shell.GetProperty("status").GetProperty("inhibitedBy")[0].GetString());
        Assert.Equal(0, shell.GetProperty("receivers").GetArrayLength());

        // Just before the end of the ten minutes (from the escape) it is still held; at the end it is sent.
        clock.Advance(TimeSpan.FromMinutes(9) - TimeSpan.FromTicks(1));
        await AmAlerts.PostAsync(factory, client, AmAlerts.Json("Terminal shell in container", "node-1"));
        Assert.Equal(2, metrics.Total("falcohook.pipeline.inhibited"));
        clock.Advance(TimeSpan.FromTicks(1));
        await AmAlerts.PostAsync(factory, client, AmAlerts.Json("Terminal shell in container", "node-1"));
        Assert.Equal(2, metrics.Total("falcohook.pipeline.inhibited"));
        Assert.Equal(["Container escape", "Terminal shell in container", "Terminal shell in container"], await DeliveriesAsync(client));
        var arrived = await receiver.WaitForRequestsAsync(3);
        Assert.Equal(3, receiver.Requests.Count);
        Assert.Equal(["node-1", "node-1", "node-2"], arrived.Select(r => r.Json.GetProperty("hostname").GetString()).Order(StringComparer.Ordinal));
    }

    private static async Task<List<string>> DeliveriesAsync(HttpClient client)
    {
        var page = (await client.GetFromJsonAsync<DeliveryListDto>("/api/v1/deliveries?limit=100"))!;
        return [.. page.Items.Select(d => d.Rule!).Order(StringComparer.Ordinal)];
    }

    /// <summary>The README's inhibition example (the JSON block with "Inhibit" in its section) as configuration keys.</summary>
    private static IEnumerable<(string Key, string Value)> ReadmeExample()
    {
        var readme = File.ReadAllText(Path.Combine(SharedCorpus.RepositoryRoot, "README.md"));
        var section = readme[readme.IndexOf("## Alertmanager API, inhibition and time intervals", StringComparison.Ordinal)..];
        var block = JsonBlock().Matches(section).Select(m => m.Groups[1].Value).First(b => b.Contains("\"Inhibit\"", StringComparison.Ordinal));
        using var document = JsonDocument.Parse("{" + block + "}");
        var keys = new List<(string, string)>();
        Flatten(document.RootElement, "", keys);
        Assert.Contains(("FalcoHook:Pipeline:Inhibit:0:Duration", "00:10:00"), keys);
        return keys;
    }

    private static void Flatten(JsonElement element, string prefix, List<(string, string)> keys)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var p in element.EnumerateObject()) Flatten(p.Value, prefix.Length == 0 ? p.Name : $"{prefix}:{p.Name}", keys);
                break;
            case JsonValueKind.Array:
                var i = 0;
                foreach (var item in element.EnumerateArray()) Flatten(item, $"{prefix}:{i++}", keys);
                break;
            default:
                keys.Add((prefix, element.ToString()));
                break;
        }
    }

    [GeneratedRegex(@"```json\s*\n(.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();

}
