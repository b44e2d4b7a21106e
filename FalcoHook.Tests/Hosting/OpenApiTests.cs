using System.Net;
using System.Text.Json.Nodes;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Hosting;

public sealed class OpenApiTests(FalcoHookFactory factory) : IClassFixture<FalcoHookFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Swagger_ui_is_served_and_points_at_the_openapi_document()
    {
        var page = await _client.GetAsync("/swagger/index.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("swagger-ui", await page.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        var config = await _client.GetStringAsync("/swagger/index.js");
        Assert.Contains("/openapi/v1.json", config, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/", "post", new[] { "200", "400", "413", "415", "503" })]
    [InlineData("/api/v1/alerts", "post", new[] { "200", "400", "413", "415", "503" })]
    [InlineData("/healthz", "get", new[] { "200" })]
    [InlineData("/readyz", "get", new[] { "200", "503" })]
    [InlineData("/ping", "get", new[] { "200" })]
    [InlineData("/test", "post", new[] { "200", "503" })]
    [InlineData("/k8s-audit", "post", new[] { "200", "400", "401", "413", "415", "503" })]
    [InlineData("/api/v1/silences", "post", new[] { "201", "400" })]
    [InlineData("/api/v1/silences", "get", new[] { "200" })]
    [InlineData("/api/v1/silences/{id}", "get", new[] { "200", "404" })]
    [InlineData("/api/v1/silences/{id}/expire", "post", new[] { "200", "404" })]
    [InlineData("/api/v1/deliveries", "get", new[] { "200" })]
    [InlineData("/api/v1/deliveries/{id}/retry", "post", new[] { "200", "404", "409" })]
    public async Task The_openapi_document_lists_each_endpoint_with_name_summary_tag_and_responses(string path, string method, string[] statuses)
    {
        var document = JsonNode.Parse(await _client.GetStringAsync("/openapi/v1.json"))!;
        var operation = document["paths"]?[path]?[method];
        Assert.NotNull(operation);
        Assert.False(string.IsNullOrWhiteSpace((string?)operation["operationId"]), "operationId (WithName)");
        Assert.False(string.IsNullOrWhiteSpace((string?)operation["summary"]), "summary");
        Assert.NotEmpty(operation["tags"]!.AsArray());
        var responses = operation["responses"]!.AsObject();
        foreach (var status in statuses) Assert.True(responses.ContainsKey(status), $"{method} {path} documents {status}");
    }

    [Fact]
    public async Task Every_operation_in_the_document_is_named_summarised_and_tagged()
    {
        var document = JsonNode.Parse(await _client.GetStringAsync("/openapi/v1.json"))!;
        var operations = document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(m => (Path: p.Key, Method: m.Key, Operation: m.Value!))).ToList();
        Assert.True(operations.Count >= 6);
        foreach (var (path, method, operation) in operations)
        {
            Assert.False(string.IsNullOrWhiteSpace((string?)operation["operationId"]), $"{method} {path} has a name");
            Assert.False(string.IsNullOrWhiteSpace((string?)operation["summary"]), $"{method} {path} has a summary");
            Assert.NotEmpty(operation["tags"]!.AsArray());
        }
    }
}
