using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FalcoHook.Tests.Support;
using static FalcoHook.Tests.RulesApi.RulesApiTestKit;

namespace FalcoHook.Tests.RulesApi;

/// <summary>Request validation (400 naming the field) and API key roles (401, 403) on every management endpoint.</summary>
public sealed class RulesValidationAndAuthTests(RulesApiFactory factory) : IClassFixture<RulesApiFactory>
{
    public static TheoryData<string, string, string, string> InvalidBodies => new()
    {
        // method, url, body, field named in errors
        { "POST", "/api/v1/rules", """{"name":"x","desc":"d","output":"o","priority":"WARNING"}""", "condition" },
        { "POST", "/api/v1/rules", """{"name":"x","desc":"d","condition":"ka.verb=get","output":"o","priority":"LOUD"}""", "priority" },
        { "POST", "/api/v1/rules", """{"desc":"d","condition":"ka.verb=get","output":"o","priority":"INFO"}""", "name" },
        { "POST", "/api/v1/rules", """{"name":"x","desc":"d","condition":"c","output":"o","priority":"INFO","exceptions":{}}""", "exceptions" },
        { "PUT", "/api/v1/rules/K8s%20Pod%20Exec%20or%20Attach", """{"name":"K8s Pod Exec or Attach","desc":"d","condition":"c","priority":"INFO"}""", "output" },
        { "PUT", "/api/v1/rules/K8s%20Pod%20Exec%20or%20Attach", """{"name":"Other","desc":"d","condition":"c","output":"o","priority":"INFO"}""", "name" },
        { "POST", "/api/v1/macros", """{"name":"has space","condition":"ka.verb=get"}""", "name" },
        { "PUT", "/api/v1/macros/falcohook_ka_write", """{"name":"falcohook_ka_write"}""", "condition" },
        { "POST", "/api/v1/lists", """{"name":"l"}""", "items" },
        { "PUT", "/api/v1/lists/falcohook_trusted_users", """{"name":"bad,name","items":[]}""", "name" },
        { "POST", "/api/v1/rules/validate", """{}""", "yaml" },
        { "POST", "/api/v1/rules/validate", """{"rule":{"name":"x","desc":"d","condition":"c","output":"o"}}""", "rule.priority" },
        { "POST", "/api/v1/rules/test", """{"source":"k8s_audit"}""", "event" },
        { "POST", "/api/v1/rules/test", """{"event":{"x":1}}""", "source" },
        { "POST", "/api/v1/rules/test", """{"event":{"auditID":"a"},"matching":"some"}""", "matching" },
        { "POST", "/api/v1/rules/import", """{}""", "yaml" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task An_invalid_body_is_400_problem_naming_the_field(string method, string url, string body, string field)
    {
        var response = await factory.Client().SendAsync(new HttpRequestMessage(new HttpMethod(method), url)
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var errors = (await Json(response))["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(field), $"errors name {string.Join(", ", errors.Select(e => e.Key))}, not {field}");
    }

    [Fact]
    public async Task A_bad_event_in_a_test_is_400_naming_the_field()
    {
        var response = await factory.Client().PostAsJsonAsync("/api/v1/rules/test",
            new { @event = new { kind = "Event", apiVersion = "audit.k8s.io/v1", auditID = "a" }, source = "k8s_audit" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains((await Json(response))["errors"]!.AsObject(), e => e.Key.StartsWith("event", StringComparison.Ordinal));
    }

    public static TheoryData<string, string> WriteEndpoints => new()
    {
        { "POST", "/api/v1/rules" }, { "PUT", "/api/v1/rules/K8s%20Pod%20Exec%20or%20Attach" },
        { "DELETE", "/api/v1/rules/K8s%20Pod%20Exec%20or%20Attach" }, { "POST", "/api/v1/rules/K8s%20Pod%20Exec%20or%20Attach/enable" },
        { "POST", "/api/v1/rules/K8s%20Pod%20Exec%20or%20Attach/disable" }, { "POST", "/api/v1/rules/import" },
        { "POST", "/api/v1/macros" }, { "PUT", "/api/v1/macros/falcohook_ka_write" }, { "DELETE", "/api/v1/macros/falcohook_ka_write" },
        { "POST", "/api/v1/lists" }, { "PUT", "/api/v1/lists/falcohook_trusted_users" }, { "DELETE", "/api/v1/lists/falcohook_trusted_users" },
        { "POST", "/api/v1/silences" }, { "DELETE", "/api/v1/silences/x" }, { "POST", "/api/v1/deliveries/x/retry" },
    };

    [Theory]
    [MemberData(nameof(WriteEndpoints))]
    public async Task A_write_endpoint_is_401_without_a_key_or_with_a_bad_one_and_403_with_a_read_key(string method, string url)
    {
        foreach (var (key, status) in new[] { ((string?)null, HttpStatusCode.Unauthorized), ("wrong-key", HttpStatusCode.Unauthorized), (RulesApiFactory.ReadKey, HttpStatusCode.Forbidden) })
        {
            var response = await factory.Client(key).SendAsync(new HttpRequestMessage(new HttpMethod(method), url)
            {
                Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
            });
            Assert.Equal(status, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
    }

    public static TheoryData<string, string> ReadEndpoints => new()
    {
        { "GET", "/api/v1/rules" }, { "GET", "/api/v1/rules/K8s%20Pod%20Exec%20or%20Attach" }, { "GET", "/api/v1/rules/export" },
        { "GET", "/api/v1/rules/history" }, { "GET", "/api/v1/macros" }, { "GET", "/api/v1/macros/falcohook_ka_write" },
        { "GET", "/api/v1/lists" }, { "GET", "/api/v1/lists/falcohook_trusted_users" }, { "GET", "/api/v1/silences" },
        { "POST", "/api/v1/rules/validate" },
    };

    [Theory]
    [MemberData(nameof(ReadEndpoints))]
    public async Task A_read_endpoint_answers_a_read_key_but_not_a_missing_or_bad_key_once_keys_are_configured(string method, string url)
    {
        HttpRequestMessage Make() => new(new HttpMethod(method), url)
        {
            Content = method == "POST" ? JsonContent.Create(new { yaml = "[]" }) : null,
        };
        Assert.Equal(HttpStatusCode.OK, (await factory.Client(RulesApiFactory.ReadKey).SendAsync(Make())).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.Client(null).SendAsync(Make())).StatusCode);
        var bad = await factory.Client("wrong-key").SendAsync(Make());
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Authorization_ApiKey_header_works_and_the_history_names_the_key()
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", $"ApiKey {RulesApiFactory.WriteKey}");
        var created = await client.PostAsJsonAsync("/api/v1/lists", new { name = "auth_header_list", items = new[] { "a" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var history = await client.GetFromJsonAsync<JsonArray>("/api/v1/rules/history?kind=list&name=auth_header_list");
        var change = Assert.Single(history!);
        Assert.Equal("ops", (string)change!["actor"]!);
        Assert.Equal("create", (string)change["action"]!);
        Assert.Null(change["before"]);
        Assert.Contains("auth_header_list", (string)change["after"]!);
    }

    [Fact]
    public async Task Without_keys_local_reads_are_anonymous_writes_are_401_unless_anonymous_writes_are_allowed()
    {
        await using (var closed = new FalcoHookFactory())
        {
            var client = closed.CreateClient();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/rules")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostAsJsonAsync("/api/v1/lists", new { name = "anon", items = new[] { "a" } })).StatusCode);
        }
        await using var open = new FalcoHookFactory().With("FalcoHook:Auth:AllowAnonymousWrites", "true");
        var openClient = open.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await openClient.PostAsJsonAsync("/api/v1/lists", new { name = "anon", items = new[] { "a" } })).StatusCode);
        var change = Assert.Single((await openClient.GetFromJsonAsync<JsonArray>("/api/v1/rules/history"))!);
        Assert.Equal("anonymous", (string)change!["actor"]!);
    }
}
