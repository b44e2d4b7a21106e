using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static FalcoHook.Tests.RulesApi.RulesApiTestKit;

namespace FalcoHook.Tests.RulesApi;

/// <summary>Validate, dry-run test, export, import and the OpenAPI description.</summary>
public sealed class RulesToolsTests(RulesApiFactory factory) : IClassFixture<RulesApiFactory>
{
    private readonly HttpClient _client = factory.Client();

    [Fact]
    public async Task Validate_reports_errors_and_warnings_with_positions_and_changes_nothing()
    {
        var before = await _client.GetStringAsync("/api/v1/rules/export");
        var response = await _client.PostAsJsonAsync("/api/v1/rules/validate", new
        {
            yaml = "- rule: Valid one\n  desc: d\n  condition: ka.verb = get\n  output: o\n  priority: INFO\n  source: k8s_audit\n  colour: red\n" +
                   "- rule: Invalid one\n  desc: d\n  condition: ka.verb = get and nope_macro\n  output: o\n  priority: INFO\n  source: k8s_audit\n",
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await Json(response);
        Assert.False((bool)report["valid"]!);
        var error = Assert.Single(report["errors"]!.AsArray())!;
        Assert.Equal("request.yaml", (string)error["file"]!);
        Assert.Equal(10, (int)error["line"]!);
        Assert.Equal("Invalid one", (string)error["itemName"]!);
        Assert.Contains(report["warnings"]!.AsArray(), w => ((string)w!["message"]!).Contains("colour"));
        Assert.Equal(before, await _client.GetStringAsync("/api/v1/rules/export"));
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/rules/Valid%20one")).StatusCode);

        var item = await Json(await _client.PostAsJsonAsync("/api/v1/rules/validate", new { rule = Rule("Item to check") }));
        Assert.True((bool)item["valid"]!);
        var badMacro = await Json(await _client.PostAsJsonAsync("/api/v1/rules/validate", new { macro = new { name = "m1", condition = "ka.verb in (" } }));
        Assert.False((bool)badMacro["valid"]!);
    }

    [Fact]
    public async Task Test_returns_the_matching_rules_in_order_with_their_alerts()
    {
        var evt = JsonNode.Parse(Fixture("pod-exec-or-attach.fires.json"));
        var effective = await Json(await _client.PostAsJsonAsync("/api/v1/rules/test", new { @event = evt }));
        Assert.Equal("k8s_audit", (string)effective["source"]!);
        var match = Assert.Single(effective["matches"]!.AsArray())!;
        Assert.Equal(ExecRule, (string)match["rule"]!);
        Assert.Equal("K8s Pod Exec or Attach", (string)match["alert"]!["rule"]!);
        Assert.Contains("user=alice@example.com", (string)match["alert"]!["output"]!);

        var candidate = "- rule: Candidate exec\n  desc: d\n  condition: ka.target.subresource = exec\n  output: exec %ka.target.name\n  priority: ALERT\n  source: k8s_audit\n";
        var all = await Json(await _client.PostAsJsonAsync("/api/v1/rules/test", new { @event = evt, rules = candidate, matching = "all" }));
        Assert.Equal([ExecRule, "Candidate exec"], all["matches"]!.AsArray().Select(m => (string)m!["rule"]!));
        Assert.EndsWith("Alert exec web-5d8f7", (string)all["matches"]![1]!["alert"]!["output"]!);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/rules/Candidate%20exec")).StatusCode);

        var broken = await _client.PostAsJsonAsync("/api/v1/rules/test", new { @event = evt, rules = "- rule: X\n  condition: (\n" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, broken.StatusCode);

        var alert = new { rule = "Terminal shell in container", priority = "Warning", time = "2024-05-01T10:00:00.000000000Z", output = "shell", source = "syscall" };
        var onAlert = await Json(await _client.PostAsJsonAsync("/api/v1/rules/test", new
        {
            @event = alert,
            rules = "- rule: Shell alert\n  desc: d\n  condition: falco.rule = \"Terminal shell in container\"\n  output: seen %falco.rule\n  priority: ERROR\n  source: falco_alert\n",
        }));
        Assert.Equal("falco_alert", (string)onAlert["source"]!);
        Assert.Equal(["Shell alert"], onAlert["matches"]!.AsArray().Select(m => (string)m!["rule"]!));
    }

    [Fact]
    public async Task Export_and_import_round_trip_the_managed_rules_with_if_match()
    {
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsJsonAsync("/api/v1/lists", new { name = "export_list", items = new[] { "a b", "c" } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync($"/api/v1/rules/{ExecRule}/disable", null)).StatusCode);

        var effective = await _client.GetStringAsync("/api/v1/rules/export");
        Assert.Contains("- rule: K8s Pod Exec or Attach", effective);
        Assert.Contains("--- # managed-rules.yaml", effective);
        var validated = await Json(await _client.PostAsJsonAsync("/api/v1/rules/validate", new { yaml = effective }));
        Assert.Empty(validated["errors"]!.AsArray());

        var managed = await _client.GetAsync("/api/v1/rules/export?scope=managed");
        var etag = ETag(managed);
        var yaml = await managed.Content.ReadAsStringAsync();
        Assert.Contains("export_list", yaml);

        var imported = await _client.SendAsync(Request(HttpMethod.Post, "/api/v1/rules/import", new { yaml = yaml + "- macro: imported_macro\n  condition: ka.verb = get\n" }, etag));
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        Assert.NotEqual(etag, ETag(imported));
        Assert.Equal("api", (string)(await Json(await _client.GetAsync("/api/v1/macros/imported_macro")))["origin"]!["type"]!);
        Assert.False((bool)(await Json(await _client.GetAsync($"/api/v1/rules/{ExecRule}")))["enabled"]!);
        Assert.Equal(["a b", "c"], (await Json(await _client.GetAsync("/api/v1/lists/export_list")))["items"]!.AsArray().Select(i => (string)i!));

        var stale = await _client.SendAsync(Request(HttpMethod.Post, "/api/v1/rules/import", new { yaml = "[]" }, etag));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);

        var import = Assert.Single((await _client.GetFromJsonAsync<JsonArray>("/api/v1/rules/history"))!, h => (string)h!["action"]! == "import")!;
        Assert.Contains("export_list", (string)import["before"]!);
        Assert.Contains("imported_macro", (string)import["after"]!);

        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsJsonAsync("/api/v1/rules/import", new { yaml = "[]" })).StatusCode);
        Assert.True((bool)(await Json(await _client.GetAsync($"/api/v1/rules/{ExecRule}")))["enabled"]!);
    }

    [Fact]
    public async Task The_openapi_document_has_every_operation_with_examples_and_the_api_key_scheme()
    {
        var document = (await _client.GetFromJsonAsync<JsonObject>("/openapi/v1.json"))!;
        var paths = document["paths"]!.AsObject();
        foreach (var path in new[] { "/api/v1/rules", "/api/v1/rules/{name}", "/api/v1/rules/{name}/enable", "/api/v1/rules/{name}/disable",
                     "/api/v1/rules/validate", "/api/v1/rules/test", "/api/v1/rules/export", "/api/v1/rules/import", "/api/v1/rules/history",
                     "/api/v1/macros", "/api/v1/macros/{name}", "/api/v1/lists", "/api/v1/lists/{name}" })
            Assert.True(paths.ContainsKey(path), path);
        var create = paths["/api/v1/rules"]!["post"]!;
        Assert.Equal("K8s Namespace Deleted", (string)create["requestBody"]!["content"]!["application/json"]!["example"]!["name"]!);
        Assert.NotNull(create["security"]);
        Assert.NotNull(paths["/api/v1/rules/test"]!["post"]!["requestBody"]!["content"]!["application/json"]!["example"]);
        Assert.Equal("X-Api-Key", (string)document["components"]!["securitySchemes"]!["ApiKey"]!["name"]!);
    }
}
