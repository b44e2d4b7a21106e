using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.K8sAudit;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Ingest;

/// <summary>
/// Bodies an attacker on the network can send to the anonymous ingest endpoints: each answers 400 problem+json
/// naming what is wrong, with bounded work and a bounded answer, and nothing of it is accepted.
/// </summary>
public sealed class HostileIngestTests(FalcoHookFactory factory) : IClassFixture<FalcoHookFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private const string Good = """{"rule":"r","priority":"Notice","time":"2024-01-02T03:04:05Z"}""";

    private static string Fixture(string name) =>
        File.ReadAllText(Path.Combine(SharedCorpus.RepositoryRoot, "FalcoHook.Tests", "K8sAudit", "Fixtures", name));

    private Task<HttpResponseMessage> PostAsync(string path, byte[] body, string contentType = "application/json") =>
        _client.PostAsync(path, new ByteArrayContent(body) { Headers = { ContentType = MediaTypeHeaderValue.Parse(contentType) } });

    private Task<HttpResponseMessage> PostAsync(string path, string body, string contentType = "application/json") =>
        PostAsync(path, Encoding.UTF8.GetBytes(body), contentType);

    private static async Task<JsonObject> ErrorsOfAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
    }

    private static void AssertNames(JsonObject errors, string field, string text)
    {
        Assert.True(errors.ContainsKey(field), $"expected an error for '{field}', got: {errors.ToJsonString()}");
        Assert.Contains(text, errors[field]!.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_hundred_thousand_empty_objects_are_refused_whole_with_one_error()
    {
        var before = factory.Recorder.Total;
        var body = "[" + string.Join(",", Enumerable.Repeat("{}", 100_000)) + "]";
        var errors = await ErrorsOfAsync(await PostAsync("/", body));
        Assert.Single(errors);
        AssertNames(errors, "body", $"at most {AlertReader.MaxAlerts}");
        Assert.Equal(before, factory.Recorder.Total);
    }

    [Fact]
    public async Task As_many_bad_items_as_allowed_get_a_capped_list_of_problems_and_a_count_of_the_rest()
    {
        var body = "[" + string.Join(",", Enumerable.Repeat("{}", AlertReader.MaxAlerts)) + "]";
        var errors = await ErrorsOfAsync(await PostAsync("/api/v1/alerts", body));
        Assert.Equal(AlertReader.MaxErrors + 1, errors.Count); // 100 distinct fields and the count
        AssertNames(errors, "[0].rule", "required");
        AssertNames(errors, "body", $"{3 * AlertReader.MaxAlerts - AlertReader.MaxErrors} more");
    }

    public static TheoryData<byte[], string, string> InvalidAlertText => new()
    {
        // body, content type, field named
        { Bytes("""{"rule":"bad§","priority":"Notice","time":"2024-01-02T03:04:05Z"}""", 0xFF), "application/json", "rule" },
        { Bytes("""{"rule":"\ud800","priority":"Notice","time":"2024-01-02T03:04:05Z"}"""), "application/json", "rule" },
        { Bytes(Good + "\n" + """{"rule":"r","priority":"Notice","time":"2024-01-02T03:04:05Z","output_fields":{"k§":1}}""", 0xC0, 0xAF), "application/x-ndjson", "[1].output_fields" },
        { Bytes(Good + "\n" + """{"rule":"r","priority":"Notice","time":"2024-01-02T03:04:05Z","output_fields":{"\udc00":1}}"""), "application/x-ndjson", "[1].output_fields" },
        { Bytes("""[{"rule":"r","priority":"Notice","time":"2024-01-02T03:04:05Z","output_fields":{"proc.name":"\ud800"}}]"""), "application/json", "[0].output_fields.proc.name" },
    };

    /// <summary>The UTF-8 of <paramref name="json"/> with its one § replaced by <paramref name="raw"/> bytes.</summary>
    private static byte[] Bytes(string json, params byte[] raw)
    {
        var at = json.IndexOf('§', StringComparison.Ordinal);
        return at < 0 ? Encoding.UTF8.GetBytes(json) : [.. Encoding.UTF8.GetBytes(json[..at]), .. raw, .. Encoding.UTF8.GetBytes(json[(at + 1)..])];
    }

    [Theory]
    [MemberData(nameof(InvalidAlertText))]
    public async Task An_alert_with_text_that_is_not_valid_is_refused_naming_the_field(byte[] body, string contentType, string field)
    {
        var before = factory.Recorder.Total;
        AssertNames(await ErrorsOfAsync(await PostAsync("/", body, contentType)), field, "Not valid text");
        Assert.Equal(before, factory.Recorder.Total);
    }

    [Fact]
    public async Task An_alert_time_beyond_falcos_nanoseconds_is_refused_naming_time()
    {
        var body = """{"rule":"far future","priority":"Notice","time":"9999-12-31T23:59:59.999999999Z"}""";
        AssertNames(await ErrorsOfAsync(await PostAsync("/", body)), "time", "2262-04-11");
    }

    private static string EventWith(string user) =>
        $$$"""{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a-1","stage":"ResponseComplete","verb":"get","stageTimestamp":"2024-05-01T10:00:00Z","user":{"username":"{{{user}}}"},"objectRef":{"resource":"secrets","namespace":"default","name":"s"}}""";

    [Fact]
    public async Task An_audit_event_with_text_that_is_not_valid_is_refused_naming_the_field()
    {
        var before = factory.Recorder.Total;
        var list = $$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{{EventWith("ok")}},{{EventWith("BAD")}}]}""";
        var cut = list.IndexOf("BAD", StringComparison.Ordinal);
        var invalidUtf8 = Bytes(list[..cut] + "§" + list[(cut + 3)..], 0xFF);
        AssertNames(await ErrorsOfAsync(await PostAsync("/k8s-audit", invalidUtf8)), "items[1].user.username", "Not valid text");

        var loneSurrogate = $$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{{EventWith("\\ud800")}}]}""";
        AssertNames(await ErrorsOfAsync(await PostAsync("/k8s-audit", loneSurrogate)), "items[0].user.username", "Not valid text");

        // An escaped surrogate pair is text: the batch is taken.
        var pair = $$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{{EventWith("\\ud83d\\ude00")}}]}""";
        Assert.Equal(HttpStatusCode.OK, (await PostAsync("/k8s-audit", pair)).StatusCode);
        Assert.Equal(before, factory.Recorder.Total);
    }

    [Theory]
    [InlineData("apps/v1", "apiVersion")]
    [InlineData("v1", "apiVersion")]
    [InlineData("audit.k8s.io/v2", "apiVersion")]
    public async Task An_event_list_of_another_api_version_is_refused(string apiVersion, string field)
    {
        var before = factory.Recorder.Total;
        var body = $$"""{"kind":"EventList","apiVersion":"{{apiVersion}}","items":[{{Fixture("privileged-pod-created.fires.json")}}]}""";
        AssertNames(await ErrorsOfAsync(await PostAsync("/k8s-audit", body)), field, "audit.k8s.io/v1");
        Assert.Equal(before, factory.Recorder.Total);
    }

    [Fact]
    public async Task An_event_of_another_api_version_or_a_list_without_kind_is_refused()
    {
        var pod = Fixture("privileged-pod-created.fires.json");
        var wrongEvent = pod.Replace("\"audit.k8s.io/v1\"", "\"apps/v1\"", StringComparison.Ordinal);
        Assert.NotEqual(pod, wrongEvent);
        AssertNames(await ErrorsOfAsync(await PostAsync("/k8s-audit", $$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{{wrongEvent}}]}""")),
            "items[0].apiVersion", "apps/v1");
        AssertNames(await ErrorsOfAsync(await PostAsync("/k8s-audit", $$"""{"apiVersion":"audit.k8s.io/v1","items":[{{pod}}]}""")), "kind", "EventList");
    }

    [Fact]
    public async Task An_event_list_of_v1beta1_is_evaluated()
    {
        var before = factory.Recorder.Total;
        var pod = Fixture("privileged-pod-created.fires.json").Replace("\"audit.k8s.io/v1\"", "\"audit.k8s.io/v1beta1\"", StringComparison.Ordinal);
        var response = await PostAsync("/k8s-audit", $$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1beta1","items":[{{pod}}]}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, (int)(await response.Content.ReadFromJsonAsync<JsonObject>())!["accepted"]!);
        await Eventually.TrueAsync(() => factory.Recorder.Total > before, "the v1beta1 event's alert");
    }

    [Fact]
    public async Task More_audit_events_than_the_limit_are_refused()
    {
        var body = $$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{{string.Join(",", Enumerable.Repeat("{}", AuditEventReader.MaxEvents + 1))}}]}""";
        var errors = await ErrorsOfAsync(await PostAsync("/k8s-audit", body));
        Assert.Single(errors);
        AssertNames(errors, "body", $"at most {AuditEventReader.MaxEvents}");
    }

    [Fact]
    public async Task An_audit_event_time_beyond_falcos_nanoseconds_is_refused()
    {
        var body = $$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{{EventWith("u").Replace("2024-05-01T10:00:00Z", "9999-12-31T23:59:59.999999999Z", StringComparison.Ordinal)}}]}""";
        AssertNames(await ErrorsOfAsync(await PostAsync("/k8s-audit", body)), "items[0].stageTimestamp", "2262-04-11");
    }
}
