using System.Net;
using System.Net.Http.Json;
using FalcoHook.Tests.Rules;
using static FalcoHook.Tests.RulesApi.RulesApiTestKit;

namespace FalcoHook.Tests.RulesApi;

/// <summary>Rules documents built to crash or exhaust the service are refused with positions, and the service goes on.</summary>
public sealed class RulesHostileInputTests(RulesApiFactory factory) : IClassFixture<RulesApiFactory>
{
    private readonly HttpClient _client = factory.Client();

    /// <summary>A k8s_audit rule whose <c>desc</c> is a flow sequence nested <paramref name="depth"/> levels; the first '[' is at 2:9.</summary>
    private static string DeepDesc(int depth) =>
        $"- rule: Deep\n  desc: {new string('[', depth)}x{new string(']', depth)}\n  condition: ka.verb = get\n  output: o\n  priority: INFO\n  source: k8s_audit\n";

    /// <summary>The document's sequence and the item's mapping are two levels: the desc's 99th '[' is the first too deep.</summary>
    private const int FirstTooDeepColumn = 9 + 98;

    private static void AssertDiagnostic(System.Text.Json.Nodes.JsonNode diagnostic, string file, int line, int column, string message)
    {
        Assert.Equal((file, line, column), ((string)diagnostic["file"]!, (int)diagnostic["line"]!, (int)diagnostic["column"]!));
        Assert.Contains(message, (string)diagnostic["message"]!);
    }

    [Fact]
    public async Task An_import_nested_30000_levels_deep_is_422_with_its_position_and_the_service_goes_on()
    {
        var response = await _client.PostAsJsonAsync("/api/v1/rules/import", new { yaml = DeepDesc(30_000) });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        AssertDiagnostic(Assert.Single((await Json(response))["diagnostics"]!.AsArray())!,
            "managed-rules.yaml", 2, FirstTooDeepColumn, "deeper than 100 levels");
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"/api/v1/rules/{ExecRule}")).StatusCode);
    }

    [Fact]
    public async Task Validate_and_test_refuse_a_desc_nested_100000_levels_at_the_first_level_too_deep()
    {
        var validated = await Json(await _client.PostAsJsonAsync("/api/v1/rules/validate", new { yaml = DeepDesc(100_000) }));
        Assert.False((bool)validated["valid"]!);
        AssertDiagnostic(Assert.Single(validated["errors"]!.AsArray())!, "request.yaml", 2, FirstTooDeepColumn, "deeper than 100 levels");

        var tested = await _client.PostAsJsonAsync("/api/v1/rules/test",
            new { @event = System.Text.Json.Nodes.JsonNode.Parse(Fixture("pod-exec-or-attach.fires.json")), rules = DeepDesc(100_000) });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, tested.StatusCode);
        var error = (await Json(tested))["diagnostics"]!.AsArray().Single(d => (string)d!["severity"]! == "error")!;
        AssertDiagnostic(error, "request.yaml", 2, FirstTooDeepColumn, "deeper than 100 levels");
    }

    [Fact]
    public async Task A_list_bomb_is_refused_naming_the_list_and_its_position()
    {
        var validated = await Json(await _client.PostAsJsonAsync("/api/v1/rules/validate", new { yaml = RulesLimitsTests.ListBomb() }));
        Assert.False((bool)validated["valid"]!);
        var error = Assert.Single(validated["errors"]!.AsArray())!;
        AssertDiagnostic(error, "request.yaml", 11, 3, "list 'l5' expands to more than 100,000 items");
        Assert.Equal("l5", (string)error["itemName"]!);

        var imported = await _client.PostAsJsonAsync("/api/v1/rules/import", new { yaml = RulesLimitsTests.ListBomb() });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, imported.StatusCode);
        var problem = await Json(imported);
        Assert.Contains("list 'l5'", (string)problem["detail"]!);
        // The managed document is written back with a heading line, so l5 is on line 12 there.
        AssertDiagnostic(problem["diagnostics"]!.AsArray().Single(d => (string)d!["severity"]! == "error")!,
            "managed-rules.yaml", 12, 3, "list 'l5' expands to more than 100,000 items");
    }

    [Theory]
    [InlineData("Bad\rname")]
    [InlineData("Bad\0name")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("has %2F inside")]
    [InlineData("History")]
    public async Task A_rule_name_that_cannot_be_addressed_is_refused_with_400_naming_it(string name)
    {
        var response = await _client.PostAsJsonAsync("/api/v1/rules", Rule(name));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var message = (string)Assert.Single((await Json(response))["errors"]!["name"]!.AsArray())!;
        Assert.StartsWith("The rule '", message);
        Assert.Contains("cannot be created", message);
        if (name == "History") return; // a list may have that name: /api/v1/lists has no such path
        Assert.Equal(HttpStatusCode.BadRequest, (await _client.PostAsJsonAsync("/api/v1/lists", new { name = name.Replace(' ', '_'), items = new[] { "a" } })).StatusCode);
    }

    [Fact]
    public async Task An_import_with_a_name_that_cannot_be_addressed_is_422_at_the_name()
    {
        var yaml = "- list: fine_list\n  items: [a]\n- rule: \"Bad\\0name\"\n  desc: d\n  condition: ka.verb in (fine_list)\n  output: o\n  priority: INFO\n  source: k8s_audit\n";
        var response = await _client.PostAsJsonAsync("/api/v1/rules/import", new { yaml });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var diagnostic = Assert.Single((await Json(response))["diagnostics"]!.AsArray())!;
        AssertDiagnostic(diagnostic, "managed-rules.yaml", 3, 9, "must not contain control characters");
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/lists/fine_list")).StatusCode);
    }
}
