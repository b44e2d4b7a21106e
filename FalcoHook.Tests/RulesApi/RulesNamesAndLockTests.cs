using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Http.Json;
using FalcoHook.Core.Fields;
using Microsoft.Extensions.DependencyInjection;
using static FalcoHook.Tests.RulesApi.RulesApiTestKit;

namespace FalcoHook.Tests.RulesApi;

/// <summary>The real server (Kestrel, which keeps an escaped '/' as %2F), with the rules API's keys.</summary>
public sealed class KestrelRulesApiFactory : RulesApiFactory
{
    public KestrelRulesApiFactory()
    {
        With("urls", "http://127.0.0.1:0");
        UseKestrel(0);
    }
}

/// <summary>Every name the API accepts is addressable at its Location; an import does not hold up other changes.</summary>
public sealed class RulesNamesAndLockTests(KestrelRulesApiFactory factory) : IClassFixture<KestrelRulesApiFactory>
{
    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("Attach/Exec Pod (copy)")]
    [InlineData("100% sure? #1 [a] {b} +c &d")]
    [InlineData("ünïcödé ✓ 名前")]
    [InlineData("validate")]
    [InlineData("a/enable")]
    public async Task An_accepted_rule_name_round_trips_through_its_location(string name)
    {
        var client = factory.Client();
        var created = await client.PostAsJsonAsync("/api/v1/rules", Rule(name));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var location = created.Headers.Location!;

        var got = await client.GetAsync(location);
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        Assert.Equal(name, (string)(await Json(got))["name"]!);
        var disabled = await client.PostAsync(location + "/disable", null);
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        Assert.False((bool)(await Json(disabled))["enabled"]!);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync(location + "/enable", null)).StatusCode);
        var replaced = await client.PutAsJsonAsync(location, Rule(name, priority: "ERROR"));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync(location)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(location)).StatusCode);
    }

    [Fact]
    public async Task List_names_are_identifiers_and_round_trip_through_their_location()
    {
        var client = factory.Client();
        var created = await client.PostAsJsonAsync("/api/v1/lists", new { name = "team_allowed_users2", items = new[] { "a" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var location = created.Headers.Location!;
        Assert.Equal("team_allowed_users2", (string)(await Json(await client.GetAsync(location)))["name"]!);
        Assert.Equal(HttpStatusCode.OK, (await client.PutAsJsonAsync(location, new { name = "team_allowed_users2", items = new[] { "b" } })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync(location)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(location)).StatusCode);

        foreach (var refused in new[] { "team/users", "..", "bad\0name" })
        {
            var response = await client.PostAsJsonAsync("/api/v1/lists", new { name = refused, items = new[] { "a" } });
            Assert.True(response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity, $"{refused}: {response.StatusCode}");
            Assert.Contains(refused.Split('\0')[0], await response.Content.ReadAsStringAsync()); // the answer names the list
        }
    }
}

/// <summary>An import parses and compiles without the lock: other changes go through meanwhile.</summary>
public sealed class RulesImportLockTests
{
    [Fact]
    public async Task Other_changes_go_through_while_an_import_compiles()
    {
        var gate = new GatedProvider();
        await using var factory = new RulesApiFactory();
        factory.WithServices(services => services.AddSingleton<IFieldProvider>(gate));
        var client = factory.Client();

        var yaml = "- rule: Gated\n  desc: d\n  condition: gate.wait = x\n  output: o\n  priority: INFO\n  source: gated\n";
        var import = client.PostAsJsonAsync("/api/v1/rules/import", new { yaml });
        await gate.Entered.WaitAsync(TimeSpan.FromSeconds(60));

        // The import is compiling (held in the provider); a rule change must not wait for it.
        var created = await client.PostAsJsonAsync("/api/v1/rules", Rule("Made during an import")).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        gate.Open();
        var imported = await import;
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
        Assert.True(gate.Compiles >= 2, "the import was compiled again against the rules that changed meanwhile");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/rules/Gated")).StatusCode);
        var history = (await client.GetFromJsonAsync<System.Text.Json.Nodes.JsonArray>("/api/v1/rules/history"))!;
        Assert.Equal(["import", "create"], history.Select(h => (string)h!["action"]!));
    }
}

/// <summary>A source whose field <c>gate.wait</c> holds the compile until <see cref="Open"/>.</summary>
internal sealed class GatedProvider : IFieldProvider
{
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ManualResetEventSlim _open = new();
    private int _compiles;

    public Task Entered => _entered.Task;
    public int Compiles => Volatile.Read(ref _compiles);
    public void Open() => _open.Set();

    public string Source => "gated";
    public IReadOnlyList<FieldInfo> Fields => [new("gate.wait", "waits", false, FieldArgument.None)];
    public long GetEventTime(object evt) => 0;

    public bool TryResolve(string name, string? argument, [NotNullWhen(true)] out IFieldExtractor? extractor, [NotNullWhen(false)] out string? error)
    {
        Interlocked.Increment(ref _compiles);
        _entered.TrySetResult();
        if (!_open.Wait(TimeSpan.FromSeconds(60))) throw new TimeoutException("the test never opened the gate");
        extractor = new Missing();
        error = null;
        return true;
    }

    private sealed class Missing : IFieldExtractor
    {
        public bool IsList => false;
        public FieldValue Extract(object evt) => FieldValue.Missing;
    }
}
