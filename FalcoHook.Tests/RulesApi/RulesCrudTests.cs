using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static FalcoHook.Tests.RulesApi.RulesApiTestKit;

namespace FalcoHook.Tests.RulesApi;

/// <summary>Create, get, list, replace, enable/disable and delete of rules, macros and lists; 404 and 412.</summary>
public sealed class RulesCrudTests(RulesApiFactory factory) : IClassFixture<RulesApiFactory>
{
    private readonly HttpClient _client = factory.Client();

    [Fact]
    public async Task An_api_rule_goes_through_create_get_list_replace_disable_enable_and_delete()
    {
        var created = await _client.PostAsJsonAsync("/api/v1/rules", Rule("Crud rule", tags: ["crud"]));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("/api/v1/rules/Crud%20rule", created.Headers.Location!.OriginalString);
        var body = await Json(created);
        Assert.Equal("api", (string)body["origin"]!["type"]!);
        Assert.Equal("Warning", (string)body["priority"]!);
        Assert.True((bool)body["evaluated"]!);
        var etag = ETag(created);

        var got = await _client.GetAsync("/api/v1/rules/Crud%20rule");
        Assert.Equal(HttpStatusCode.OK, got.StatusCode);
        Assert.Equal(etag, ETag(got));

        var listed = await _client.GetFromJsonAsync<JsonArray>("/api/v1/rules?source=k8s_audit&tag=crud&enabled=true&text=CRUD");
        Assert.Equal(["Crud rule"], listed!.Select(r => (string)r!["name"]!));
        Assert.Empty((await _client.GetFromJsonAsync<JsonArray>("/api/v1/rules?tag=crud&enabled=false"))!);
        Assert.Empty((await _client.GetFromJsonAsync<JsonArray>("/api/v1/rules?tag=crud&source=falco_alert"))!);

        var replaced = await _client.SendAsync(Request(HttpMethod.Put, "/api/v1/rules/Crud%20rule", Rule("Crud rule", priority: "CRITICAL", tags: ["crud"]), etag));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var replacedBody = await Json(replaced);
        Assert.Equal("Critical", (string)replacedBody["priority"]!);
        Assert.Equal("k8s_audit", (string)replacedBody["source"]!);
        Assert.NotEqual(etag, ETag(replaced));

        var stale = await _client.SendAsync(Request(HttpMethod.Post, "/api/v1/rules/Crud%20rule/disable", ifMatch: etag));
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("application/problem+json", stale.Content.Headers.ContentType!.MediaType);

        var disabled = await _client.SendAsync(Request(HttpMethod.Post, "/api/v1/rules/Crud%20rule/disable", ifMatch: ETag(replaced)));
        Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
        Assert.False((bool)(await Json(disabled))["enabled"]!);
        var enabled = await _client.PostAsync("/api/v1/rules/Crud%20rule/enable", null);
        Assert.True((bool)(await Json(enabled))["enabled"]!);

        var staleDelete = await _client.SendAsync(Request(HttpMethod.Delete, "/api/v1/rules/Crud%20rule", ifMatch: etag));
        Assert.Equal(HttpStatusCode.PreconditionFailed, staleDelete.StatusCode);
        var deleted = await _client.SendAsync(Request(HttpMethod.Delete, "/api/v1/rules/Crud%20rule", ifMatch: ETag(enabled)));
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/rules/Crud%20rule")).StatusCode);
    }

    [Fact]
    public async Task Creating_a_rule_that_exists_is_409()
    {
        var response = await _client.PostAsJsonAsync("/api/v1/rules", Rule(ExecRule));
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
    }

    [Fact]
    public async Task A_file_rule_is_read_only_changes_become_overrides_and_deleting_the_override_reverts_it()
    {
        var rule = await Json(await _client.GetAsync($"/api/v1/rules/{ExecRule}"));
        Assert.Equal("file", (string)rule["origin"]!["type"]!);
        Assert.EndsWith("falcohook_k8s_audit_rules.yaml", (string)rule["origin"]!["file"]!);
        Assert.False((bool)rule["origin"]!["overridden"]!);

        var delete = await _client.DeleteAsync($"/api/v1/rules/{ExecRule}");
        Assert.Equal(HttpStatusCode.Conflict, delete.StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync($"/api/v1/rules/{ExecRule}/disable", null)).StatusCode);
        var replaced = await _client.PutAsJsonAsync($"/api/v1/rules/{ExecRule}", new
        {
            name = ExecRule, desc = "changed", condition = "ka.verb = create and ka.target.subresource = exec",
            output = "exec by %ka.user.name", priority = "ERROR", tags = new[] { "changed" },
        });
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var after = await Json(replaced);
        Assert.Equal("Error", (string)after["priority"]!);
        Assert.Equal("ka.verb = create and ka.target.subresource = exec", (string)after["condition"]!);
        Assert.True((bool)after["origin"]!["overridden"]!);
        Assert.Equal("file", (string)after["origin"]!["type"]!);
        Assert.False((bool)after["enabled"]!); // a PUT without enabled keeps the rule disabled

        var sourceChange = await _client.PutAsJsonAsync($"/api/v1/rules/{ExecRule}", new
        {
            name = ExecRule, desc = "d", condition = "falco.rule = x", output = "o", priority = "ERROR", source = "falco_alert",
        });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, sourceChange.StatusCode);

        var reverted = await _client.DeleteAsync($"/api/v1/rules/{ExecRule}");
        Assert.Equal(HttpStatusCode.NoContent, reverted.StatusCode);
        var original = await Json(await _client.GetAsync($"/api/v1/rules/{ExecRule}"));
        Assert.Equal("Notice", (string)original["priority"]!);
        Assert.True((bool)original["enabled"]!);
        Assert.False((bool)original["origin"]!["overridden"]!);
    }

    [Fact]
    public async Task Lists_and_macros_are_created_used_by_a_rule_replaced_and_deleted()
    {
        var list = await _client.PostAsJsonAsync("/api/v1/lists", new { name = "crud_namespaces", items = new[] { "shop", "web" } });
        Assert.Equal(HttpStatusCode.Created, list.StatusCode);
        var macro = await _client.PostAsJsonAsync("/api/v1/macros", new { name = "crud_in_shop", condition = "ka.target.namespace in (crud_namespaces)" });
        Assert.Equal(HttpStatusCode.Created, macro.StatusCode);
        var macroBody = await Json(macro);
        Assert.Equal("api", (string)macroBody["origin"]!["type"]!);
        Assert.Contains("shop", (string)macroBody["compiledCondition"]!);
        Assert.Equal(HttpStatusCode.Created, (await _client.PostAsJsonAsync("/api/v1/rules", Rule("Crud uses macro", "crud_in_shop and ka.verb = delete"))).StatusCode);

        var gotList = await _client.GetAsync("/api/v1/lists/crud_namespaces");
        Assert.Equal(["shop", "web"], (await Json(gotList))["items"]!.AsArray().Select(i => (string)i!));
        var replacedList = await _client.SendAsync(Request(HttpMethod.Put, "/api/v1/lists/crud_namespaces",
            new { name = "crud_namespaces", items = new[] { "shop" } }, ETag(gotList)));
        Assert.Equal(HttpStatusCode.OK, replacedList.StatusCode);
        var replacedMacro = await _client.PutAsJsonAsync("/api/v1/macros/crud_in_shop", new { name = "crud_in_shop", condition = "ka.target.namespace = shop" });
        Assert.Equal("ka.target.namespace = shop", (string)(await Json(replacedMacro))["condition"]!);

        Assert.Equal(["crud_in_shop"], (await _client.GetFromJsonAsync<JsonArray>("/api/v1/macros?text=crud_in"))!.Select(m => (string)m!["name"]!));
        Assert.Equal(["crud_namespaces"], (await _client.GetFromJsonAsync<JsonArray>("/api/v1/lists?text=crud_"))!.Select(m => (string)m!["name"]!));

        // The macro is in use: deleting it does not compile.
        var inUse = await _client.DeleteAsync("/api/v1/macros/crud_in_shop");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, inUse.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/api/v1/rules/Crud%20uses%20macro")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/api/v1/macros/crud_in_shop")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/api/v1/lists/crud_namespaces")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _client.GetAsync("/api/v1/lists/crud_namespaces")).StatusCode);
    }

    [Fact]
    public async Task A_file_list_can_be_overridden_and_its_file_macros_read()
    {
        var macro = await Json(await _client.GetAsync("/api/v1/macros/falcohook_ka_succeeded"));
        Assert.Equal("file", (string)macro["origin"]!["type"]!);
        Assert.Equal(HttpStatusCode.Conflict, (await _client.DeleteAsync("/api/v1/lists/falcohook_infra_namespaces")).StatusCode);
        var list = await _client.GetAsync("/api/v1/lists/falcohook_infra_namespaces");
        var items = (await Json(list))["items"]!.AsArray().Select(i => (string)i!).Append("crud-infra").ToArray();
        var replaced = await _client.SendAsync(Request(HttpMethod.Put, "/api/v1/lists/falcohook_infra_namespaces",
            new { name = "falcohook_infra_namespaces", items }, ETag(list)));
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        var replacedList = await Json(replaced);
        Assert.Contains("crud-infra", replacedList["items"]!.AsArray().Select(i => (string)i!));
        Assert.True((bool)replacedList["origin"]!["overridden"]!);
        Assert.Equal(HttpStatusCode.NoContent, (await _client.DeleteAsync("/api/v1/lists/falcohook_infra_namespaces")).StatusCode);
    }

    public static TheoryData<string, string> MissingItems => new()
    {
        { "GET", "/api/v1/rules/No%20such%20rule" }, { "PUT", "/api/v1/rules/No%20such%20rule" },
        { "DELETE", "/api/v1/rules/No%20such%20rule" }, { "POST", "/api/v1/rules/No%20such%20rule/enable" },
        { "POST", "/api/v1/rules/No%20such%20rule/disable" },
        { "GET", "/api/v1/macros/no_such_macro" }, { "PUT", "/api/v1/macros/no_such_macro" }, { "DELETE", "/api/v1/macros/no_such_macro" },
        { "GET", "/api/v1/lists/no_such_list" }, { "PUT", "/api/v1/lists/no_such_list" }, { "DELETE", "/api/v1/lists/no_such_list" },
    };

    [Theory]
    [MemberData(nameof(MissingItems))]
    public async Task A_missing_item_is_404_problem(string method, string url)
    {
        var name = Uri.UnescapeDataString(url.Split('/')[4]);
        object? body = method != "PUT" ? null
            : url.Contains("/rules/") ? Rule(name)
            : url.Contains("/macros/") ? new { name, condition = "ka.verb = get" }
            : new { name, items = new[] { "a" } };
        var response = await _client.SendAsync(Request(new HttpMethod(method), url, body));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains(name, (string)(await Json(response))["detail"]!);
    }

    [Fact]
    public async Task Stale_etags_on_macros_and_lists_are_412()
    {
        var list = await _client.GetAsync("/api/v1/lists/falcohook_trusted_users");
        var macro = await _client.GetAsync("/api/v1/macros/falcohook_ka_succeeded");
        const string stale = "\"0123456789abcdef01234567\"";
        var putList = await _client.SendAsync(Request(HttpMethod.Put, "/api/v1/lists/falcohook_trusted_users", new { name = "falcohook_trusted_users", items = new[] { "x" } }, stale));
        var putMacro = await _client.SendAsync(Request(HttpMethod.Put, "/api/v1/macros/falcohook_ka_succeeded", new { name = "falcohook_ka_succeeded", condition = "ka.verb = get" }, stale));
        var deleteMacro = await _client.SendAsync(Request(HttpMethod.Delete, "/api/v1/macros/falcohook_ka_succeeded", ifMatch: stale));
        Assert.Equal(HttpStatusCode.PreconditionFailed, putList.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, putMacro.StatusCode);
        Assert.Equal(HttpStatusCode.PreconditionFailed, deleteMacro.StatusCode);
        Assert.Equal(ETag(list), ETag(await _client.GetAsync("/api/v1/lists/falcohook_trusted_users")));
        Assert.Equal(ETag(macro), ETag(await _client.GetAsync("/api/v1/macros/falcohook_ka_succeeded")));
    }
}
