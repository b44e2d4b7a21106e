using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using FalcoHook.Api.Endpoints;
using FalcoHook.Core.Configuration;
using FalcoHook.Core.Inhibition;
using FalcoHook.Tests.AlertmanagerApi;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Inhibition;

/// <summary>
/// <c>/api/v1/inhibit-rules</c>: a rule put through the API inhibits from the next batch on, without a restart, is kept
/// across one, and stops when deleted; configuration's rules are listed read-only; a bad rule is refused with the
/// messages configuration gives, per field.
/// </summary>
public sealed class InhibitRulesApiTests
{
    private const string Shell = "Terminal shell in container";
    private const string Escape = "Container escape";

    private static FalcoHookFactory Start(TempDirectory dir, FakeReceiver receiver) => new FalcoHookFactory().WithApiKeys()
        .With("FalcoHook:Storage:ConnectionString", $"Data Source={dir.File("falcohook.db")}")
        .With("FalcoHook:Destinations:siem:Type", "webhook")
        .With("FalcoHook:Destinations:siem:Url", receiver.Url("/siem"))
        .With("FalcoHook:Pipeline:Inhibit:0:SourceMatchers:0", "alertname=\"Kernel module loaded\"")
        .With("FalcoHook:Pipeline:Inhibit:0:TargetMatchers:0", "alertname=\"Unexpected syscall\"")
        .With("FalcoHook:Pipeline:Inhibit:0:Duration", "00:01:00");

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private const string EscapeInhibitsShells = $$"""
        {"sourceMatchers":["alertname=\"{{Escape}}\""],"targetMatchers":["alertname=\"{{Shell}}\""],"equal":["hostname"],"duration":"00:10:00"}
        """;

    private static async Task<string> StateAsync(HttpClient client, string host) =>
        (await AmAlerts.ByHostAsync(client, Shell))[host].GetProperty("status").GetProperty("state").GetString()!;

    [Fact]
    public async Task A_rule_put_through_the_api_applies_at_once_survives_a_restart_and_stops_when_deleted()
    {
        using var dir = new TempDirectory();
        await using var receiver = await FakeReceiver.StartAsync();
        using (var first = Start(dir, receiver))
        {
            var client = first.Client();
            await AmAlerts.PostAsync(first, client, AmAlerts.Json(Escape, "node-1"), AmAlerts.Json(Shell, "node-1"));
            Assert.Equal("active", await StateAsync(client, "node-1"));

            var put = await client.PutAsync("/api/v1/inhibit-rules/escape-shell", Json(EscapeInhibitsShells));
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            Assert.Equal("/api/v1/inhibit-rules/escape-shell", put.Headers.Location?.OriginalString);

            var listed = (await client.GetFromJsonAsync<List<InhibitRuleDto>>("/api/v1/inhibit-rules"))!;
            Assert.Equal([("config-0", "config"), ("escape-shell", "api")], listed.Select(r => (r.Name, r.Origin)));
            Assert.Equal(["alertname=\"Kernel module loaded\""], listed[0].SourceMatchers);
            Assert.Equal(TimeSpan.FromMinutes(10), listed[1].Duration);

            await AmAlerts.PostAsync(first, client, AmAlerts.Json(Escape, "node-2"), AmAlerts.Json(Shell, "node-2"));
            var shells = await AmAlerts.ByHostAsync(client, Shell);
            var escape = (await AmAlerts.ByHostAsync(client, Escape))["node-2"].GetProperty("fingerprint").GetString();
            Assert.Equal("suppressed", shells["node-2"].GetProperty("status").GetProperty("state").GetString());
            Assert.Equal([escape!], AmAlerts.Strings(shells["node-2"].GetProperty("status"), "inhibitedBy"));
        }
        dir.ClosePooledConnections();

        using var second = Start(dir, receiver);
        var after = second.Client();
        var kept = (await after.GetFromJsonAsync<InhibitRuleDto>("/api/v1/inhibit-rules/escape-shell"))!;
        Assert.Equal("api", kept.Origin);
        Assert.Equal([$"alertname=\"{Shell}\""], kept.TargetMatchers);
        Assert.Equal(["hostname"], kept.Equal);
        await AmAlerts.PostAsync(second, after, AmAlerts.Json(Escape, "node-3"), AmAlerts.Json(Shell, "node-3"));
        Assert.Equal("suppressed", await StateAsync(after, "node-3"));

        Assert.Equal(HttpStatusCode.NoContent, (await after.DeleteAsync("/api/v1/inhibit-rules/escape-shell")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await after.GetAsync("/api/v1/inhibit-rules/escape-shell")).StatusCode);
        await AmAlerts.PostAsync(second, after, AmAlerts.Json(Escape, "node-4"), AmAlerts.Json(Shell, "node-4"));
        Assert.Equal("active", await StateAsync(after, "node-4"));
    }

    [Fact]
    public async Task A_bad_rule_is_refused_per_field_with_the_messages_configuration_gives()
    {
        using var dir = new TempDirectory();
        await using var receiver = await FakeReceiver.StartAsync();
        using var factory = Start(dir, receiver);
        var client = factory.Client();

        var response = await client.PutAsync("/api/v1/inhibit-rules/broken",
            Json("""{"sourceMatchers":["alertname=~\"(\""],"targetMatchers":[],"equal":[" "],"duration":"00:00:00"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("errors");

        var config = new OptionsFailures("FalcoHook:Pipeline");
        InhibitRule.Compile([new InhibitRuleOptions { SourceMatchers = ["alertname=~\"(\""], Equal = [" "], Duration = TimeSpan.Zero }], config);
        Assert.Equal(4, config.Items.Count);
        var expected = config.Items.ToDictionary(i => AlertManagementProblems.JsonPath(i.Key["Inhibit:0:".Length..]), i => i.Message);
        Assert.Equal(["duration", "equal[0]", "sourceMatchers[0]", "targetMatchers"], expected.Keys.Order(StringComparer.Ordinal));
        foreach (var (key, message) in expected)
            Assert.Equal([message], errors.GetProperty(key).EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/inhibit-rules/broken")).StatusCode);
    }

    [Fact]
    public async Task Configuration_rules_are_read_only_and_writes_need_the_write_role()
    {
        using var dir = new TempDirectory();
        await using var receiver = await FakeReceiver.StartAsync();
        using var factory = Start(dir, receiver);
        var writer = factory.Client();
        var reader = factory.Client(FalcoHookFactory.ReadKey);

        var put = await writer.PutAsync("/api/v1/inhibit-rules/config-0", Json(EscapeInhibitsShells));
        Assert.Equal(HttpStatusCode.Conflict, put.StatusCode);
        Assert.Contains("FalcoHook:Pipeline:Inhibit", await put.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Conflict, (await writer.DeleteAsync("/api/v1/inhibit-rules/config-0")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await writer.DeleteAsync("/api/v1/inhibit-rules/nothing")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await writer.PutAsync("/api/v1/inhibit-rules/-bad", Json(EscapeInhibitsShells))).StatusCode);

        Assert.Equal(HttpStatusCode.Forbidden, (await reader.PutAsync("/api/v1/inhibit-rules/escape", Json(EscapeInhibitsShells))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await reader.GetAsync("/api/v1/inhibit-rules")).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await writer.PutAsync("/api/v1/inhibit-rules/escape", Json(EscapeInhibitsShells))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await writer.PutAsync("/api/v1/inhibit-rules/escape", Json(EscapeInhibitsShells))).StatusCode);
    }
}
