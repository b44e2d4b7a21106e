using System.Net;
using System.Net.Http.Json;
using FalcoHook.Core.Fields;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static FalcoHook.Tests.RulesApi.RulesApiTestKit;

namespace FalcoHook.Tests.RulesApi;

/// <summary>validate and test, which anyone may call when reads are anonymous, have a work budget and a concurrency limit.</summary>
public sealed class RulesToolsLimitsTests
{
    /// <summary>A candidate document of <paramref name="rules"/> rules: work enough to outlast any timer.</summary>
    private static string ManyRules(int rules) => string.Concat(Enumerable.Range(0, rules).Select(i =>
        $"- rule: Candidate {i}\n  desc: d\n  condition: ka.verb = get and ka.target.name = n{i}\n  output: o %ka.verb\n  priority: INFO\n  source: k8s_audit\n"));

    [Fact]
    public async Task Validate_and_test_past_their_budget_stop_with_a_422_that_says_so()
    {
        await PastTheBudget("/api/v1/rules/validate", new { yaml = GatedFirst + ManyRules(50) });
        await PastTheBudget("/api/v1/rules/test", new
        {
            @event = System.Text.Json.Nodes.JsonNode.Parse(Fixture("pod-exec-or-attach.fires.json")),
            rules = GatedFirst + ManyRules(50),
        });
    }

    /// <summary>
    /// The budget runs on the app's TimeProvider. The compile parks in the gated source; the test moves the clock past
    /// the budget, which cancels the token at once, then lets the compile go on to its next check.
    /// </summary>
    private static async Task PastTheBudget(string path, object body)
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var gate = new GatedProvider();
        await using var factory = new RulesApiFactory();
        factory.With("FalcoHook:Rules:ToolsTimeout", "00:00:01")
            .WithServices(services => services.AddSingleton<TimeProvider>(clock).AddSingleton<IFieldProvider>(gate));
        var client = factory.Client(RulesApiFactory.ReadKey);
        var before = await client.GetStringAsync("/api/v1/rules/export");

        var sending = client.PostAsJsonAsync(path, body);
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(60));
        clock.Advance(TimeSpan.FromSeconds(2));
        gate.Open();
        var response = await sending;

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await Json(response);
        Assert.Equal("The work budget was exceeded.", (string)problem["title"]!);
        Assert.Contains("FalcoHook:Rules:ToolsTimeout", (string)problem["detail"]!);
        Assert.Equal(before, await client.GetStringAsync("/api/v1/rules/export"));
    }

    private const string GatedFirst = "- rule: Gated\n  desc: d\n  condition: gate.wait = x\n  output: o\n  priority: INFO\n  source: gated\n";

    [Fact]
    public async Task Within_the_budget_a_large_document_is_validated()
    {
        await using var factory = new RulesApiFactory();
        var report = await Json(await factory.Client(RulesApiFactory.ReadKey).PostAsJsonAsync("/api/v1/rules/validate", new { yaml = ManyRules(500) }));
        Assert.True((bool)report["valid"]!);
    }

    [Fact]
    public async Task Beyond_the_concurrency_limit_validate_and_test_are_503_with_retry_after()
    {
        var gate = new GatedProvider();
        await using var factory = new RulesApiFactory();
        factory.With("FalcoHook:Rules:ToolsConcurrency", "1").With("FalcoHook:Rules:ToolsTimeout", "00:00:07")
            .WithServices(services => services.AddSingleton<IFieldProvider>(gate));
        var client = factory.Client(RulesApiFactory.ReadKey);

        // The first validate holds the only permit while its compile waits in the gated source.
        var first = client.PostAsJsonAsync("/api/v1/rules/validate",
            new { yaml = "- rule: Gated\n  desc: d\n  condition: gate.wait = x\n  output: o\n  priority: INFO\n  source: gated\n" });
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(60));

        var refused = await client.PostAsJsonAsync("/api/v1/rules/validate", new { yaml = "[]" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("7", refused.Headers.GetValues("Retry-After").Single());
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType!.MediaType);
        Assert.Contains("FalcoHook:Rules:ToolsConcurrency", (string)(await Json(refused))["detail"]!);
        var testRefused = await client.PostAsJsonAsync("/api/v1/rules/test", new { @event = new { rule = "r", priority = "Warning" } });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, testRefused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/rules")).StatusCode); // other reads are not limited

        gate.Open();
        Assert.True((bool)(await Json(await first))["valid"]!);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync("/api/v1/rules/validate", new { yaml = "[]" })).StatusCode);
    }
}
