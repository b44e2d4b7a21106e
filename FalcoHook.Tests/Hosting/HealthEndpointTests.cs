using System.Net;
using System.Text.Json.Nodes;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Hosting;

public sealed class HealthEndpointTests(FalcoHookFactory factory) : IClassFixture<FalcoHookFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    [Fact]
    public async Task Ping_answers_pong()
    {
        var response = await _client.GetAsync("/ping");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("pong", await response.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    public async Task Health_endpoints_answer_ok(string path)
    {
        var response = await _client.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("ok", (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["status"]!);
    }

    [Fact]
    public async Task Readiness_reports_storage_and_rules()
    {
        var answer = await _client.GetFromJsonAsync<JsonObject>("/readyz");
        Assert.Equal("Healthy", (string)answer!["checks"]!["storage"]!);
        Assert.Equal("Healthy", (string)answer["checks"]!["rules"]!);
    }

    [Fact]
    public async Task Test_sends_a_debug_test_rule_alert_through_the_ingest_path()
    {
        var before = factory.Recorder.Total;
        var response = await _client.PostAsync("/test", null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Eventually.TrueAsync(() => factory.Recorder.Total > before, "the test alert");
        var alert = factory.Recorder.Snapshot().Last(a => a.Rule == "Test rule");
        Assert.Equal(Core.Alerts.Priority.Debug, alert.Priority);
        Assert.Equal(["test", "example"], alert.Tags);
        Assert.Equal("falcohook", alert.Hostname);
    }
}
