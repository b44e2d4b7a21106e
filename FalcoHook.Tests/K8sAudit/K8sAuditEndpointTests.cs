using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using FalcoHook.Tests.Conformance;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.K8sAudit;

public sealed class K8sAuditEndpointTests : IClassFixture<FalcoHookFactory>
{
    private readonly FalcoHookFactory _factory;
    private readonly HttpClient _client;

    public K8sAuditEndpointTests(FalcoHookFactory factory)
    {
        _factory = factory;
        _client = factory.CreateClient();
    }

    private Task<HttpResponseMessage> PostAsync(byte[] body, string contentType = "application/json") =>
        _client.PostAsync("/k8s-audit", new ByteArrayContent(body) { Headers = { ContentType = MediaTypeHeaderValue.Parse(contentType) } });

    private Task<HttpResponseMessage> PostAsync(string body, string contentType = "application/json") =>
        PostAsync(Encoding.UTF8.GetBytes(body), contentType);

    private static string Fixture(string name) =>
        File.ReadAllText(Path.Combine(SharedCorpus.RepositoryRoot, "FalcoHook.Tests", "K8sAudit", "Fixtures", name));

    [Fact]
    public async Task An_event_list_raises_the_default_rules_alerts_with_falcos_shape()
    {
        var before = _factory.Recorder.Total;
        var exec = Fixture("pod-exec-or-attach.fires.json");
        var quiet = Fixture("pod-exec-or-attach.quiet.json");
        var response = await PostAsync($$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{{exec}},{{quiet}}]}""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(2, (int)answer!["events"]!);
        Assert.Equal(1, (int)answer["accepted"]!);
        await Eventually.TrueAsync(() => _factory.Recorder.Total == before + 1, "the exec alert");
        var alert = _factory.Recorder.Snapshot()[^1];
        Assert.Equal("K8s Pod Exec or Attach", alert.Rule);
        Assert.Equal("k8s_audit", alert.Source);
        Assert.Equal("falcohook", alert.Hostname);
        Assert.Matches(@"^\d\d:\d\d:\d\d\.\d{9}: " + alert.Priority + " ", alert.Output);
        Assert.True(alert.OutputFields!.ContainsKey("evt.time"));
    }

    public static TheoryData<string, string, string> Malformed => new()
    {
        // body, field named in the problem, text in its message
        { "{not json", "body", "JSON" },
        { """{"kind":"Pod","apiVersion":"v1"}""", "kind", "Pod" },
        { """{"kind":"EventList","items":[1,"x"]}""", "items[0]", "object" },
        { """{"kind":"EventList","items":[{"kind":"Event","stage":"ResponseComplete","stageTimestamp":"2024-01-01T00:00:00Z"}]}""", "items[0].auditID", "auditID" },
        { """{"kind":"EventList","items":{}}""", "items", "array" },
        { new string('[', 1000) + new string(']', 1000), "body", "deep" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task A_malformed_batch_gets_400_naming_the_problem_and_nothing_is_accepted(string body, string field, string message)
    {
        var before = _factory.Recorder.Total;
        var response = await PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(field), $"expected an error for '{field}', got {errors.ToJsonString()}");
        Assert.Contains(message, errors[field]!.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        await AssertStillWorkingAsync(before);
    }

    [Fact]
    public async Task A_batch_over_the_limit_gets_413()
    {
        var before = _factory.Recorder.Total;
        var padding = new string(' ', 12 * 1024 * 1024 + 1);
        var response = await PostAsync("""{"kind":"EventList","items":[]}""" + padding);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("AuditMaxBodyBytes", (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!, StringComparison.Ordinal);
        await AssertStillWorkingAsync(before);
    }

    [Fact]
    public async Task A_non_json_content_type_gets_415()
    {
        var response = await PostAsync(Fixture("pod-exec-or-attach.fires.json"), "text/plain");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    private async Task AssertStillWorkingAsync(long before)
    {
        var response = await PostAsync(Fixture("privileged-pod-created.fires.json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Eventually.TrueAsync(() => _factory.Recorder.Total == before + 1, "exactly the next good batch's alert");
        Assert.Equal("K8s Privileged Pod Created", _factory.Recorder.Snapshot()[^1].Rule);
    }

    [Fact]
    public async Task Every_regression_trace_posted_as_an_event_list_reaches_a_webhook_as_the_engine_detects_it()
    {
        // The suite's rules behind the endpoint, and a real webhook at the end of the pipeline; dedup and
        // aggregation off so every alert the rules raise is delivered as itself.
        await using var webhook = await FakeReceiver.StartAsync();
        foreach (var regression in K8sAuditRegressionCase.All())
        {
            var path = "/" + regression.Name;
            using var factory = new FalcoHookFactory()
                .With("FalcoHook:Pipeline:Dedup:Enabled", "false")
                .With("FalcoHook:Pipeline:Aggregate:Enabled", "false")
                .With("FalcoHook:Destinations:siem:Type", "webhook")
                .With("FalcoHook:Destinations:siem:Url", webhook.Url(path));
            for (var i = 0; i < regression.Rules.Count; i++)
                factory.With($"FalcoHook:Rules:Paths:{i}", SharedCorpus.Conformance(regression.Rules[i].Split('/')));
            var client = factory.CreateClient();
            var response = await client.PostAsync("/k8s-audit",
                new ByteArrayContent(regression.TraceAsEventList()) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var accepted = (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["accepted"]!;

            await Eventually.TrueAsync(() => webhook.Requests.Count(r => r.Path == path) == accepted,
                $"{regression.Name}: {accepted} deliveries");
            var delivered = webhook.Requests.Where(r => r.Path == path)
                .Select(r => Core.Alerts.AlertReader.ReadJson(r.Body))
                .Select(read => Assert.Single(read.Alerts))
                .ToList();
            regression.AssertDetected(delivered);
        }
    }
}
