using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.RulesApi;

/// <summary>
/// The rules API tests' shared service: the real one with <see cref="FalcoHookFactory.WithApiKeys"/> and the default
/// rules, not watched (a watcher costs an inotify instance, of which a user has 128): a test of the watcher turns it on.
/// </summary>
public class RulesApiFactory : FalcoHookFactory
{
    public RulesApiFactory() => WithApiKeys().With("FalcoHook:Rules:Watch", "false");
}

internal static class RulesApiTestKit
{
    public static string Fixture(string name) =>
        File.ReadAllText(Path.Combine(SharedCorpus.RepositoryRoot, "FalcoHook.Tests", "K8sAudit", "Fixtures", name));

    public const string ExecRule = "K8s Pod Exec or Attach";

    /// <summary>Posts one audit event to /k8s-audit and returns how many alerts it raised (the answer's <c>accepted</c>).</summary>
    public static async Task<int> AuditAsync(HttpClient client, string eventJson)
    {
        var response = await client.PostAsync("/k8s-audit", new StringContent(eventJson, Encoding.UTF8, "application/json"));
        response.EnsureSuccessStatusCode();
        return (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["accepted"]!;
    }

    public static object Rule(string name, string condition = "ka.verb = delete and ka.target.resource = namespaces",
        string priority = "WARNING", string[]? tags = null, string source = "k8s_audit") => new
    {
        name,
        desc = "test rule",
        condition,
        output = "deleted %ka.target.name by %ka.user.name",
        priority,
        source,
        tags = tags ?? ["test"],
    };

    public static HttpRequestMessage Request(HttpMethod method, string url, object? body = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (body is not null) request.Content = JsonContent.Create(body);
        if (ifMatch is not null) request.Headers.IfMatch.Add(EntityTagHeaderValue.Parse(ifMatch));
        return request;
    }

    public static string ETag(HttpResponseMessage response) => response.Headers.ETag!.ToString();

    public static async Task<JsonObject> Json(HttpResponseMessage response) => (await response.Content.ReadFromJsonAsync<JsonObject>())!;
}
