using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Ingest;

public sealed class AlertIngestTests : IClassFixture<FalcoHookFactory>
{
    private readonly FalcoHookFactory _factory;
    private readonly HttpClient _client;

    public AlertIngestTests(FalcoHookFactory factory)
    {
        _factory = factory;
        _client = factory.CreateClient();
    }

    private static string Alert(string rule, string priority = "Warning", string time = "2024-01-02T03:04:05.123456789Z") =>
        $$$"""{"rule":"{{{rule}}}","priority":"{{{priority}}}","time":"{{{time}}}","output":"03:04:05.123456789: {{{priority}}} something","source":"syscall","tags":["a"],"output_fields":{"proc.name":"sh","evt.time":1704164645123456789}}""";

    private Task<HttpResponseMessage> PostAsync(string body, string contentType = "application/json", string path = "/") =>
        _client.PostAsync(path, new StringContent(body, MediaTypeHeaderValue.Parse(contentType)));

    private static IEnumerable<string> ConformanceAlertLines() =>
        Directory.GetFiles(SharedCorpus.Conformance("alerts"), "*.jsonl").OrderBy(f => f, StringComparer.Ordinal)
            .SelectMany(File.ReadLines).Where(l => !string.IsNullOrWhiteSpace(l));

    /// <summary>
    /// Waits until the drain has handed over every alert posted since <paramref name="before"/> (the recorder's total
    /// then), and returns the recorded alerts with the expected rules and times. Two tests post the same conformance
    /// alerts: matching by rule and time alone would find the other test's and return while this test's are still
    /// draining, and they would then be counted by the next test.
    /// </summary>
    private async Task<List<JsonNode>> RecordedByRuleAsync(IReadOnlyCollection<string> expectedLines, long before)
    {
        await Eventually.TrueAsync(() => _factory.Recorder.Total >= before + expectedLines.Count, "the drain to record the posted alerts");
        var rulesAndTimes = expectedLines.Select(l => JsonNode.Parse(l)!).Select(n => (string)n["rule"]! + "|" + (string)n["time"]!).ToHashSet();
        return _factory.Recorder.Snapshot().Select(a => JsonNode.Parse(a.ToJson())!)
            .Where(n => rulesAndTimes.Contains((string)n["rule"]! + "|" + (string)n["time"]!)).ToList();
    }

    private static void AssertSameAlerts(IReadOnlyCollection<string> expectedLines, List<JsonNode> recorded)
    {
        foreach (var line in expectedLines)
        {
            var expected = JsonNode.Parse(line)!;
            Assert.Contains(recorded, r => JsonNode.DeepEquals(expected, r));
        }
        // The 19-digit evt.time survives as the same integer, not a rounded double.
        foreach (var node in recorded)
            if (node["output_fields"]?["evt.time"] is JsonValue evtTime && evtTime.GetValueKind() == JsonValueKind.Number)
                Assert.DoesNotContain("E", evtTime.ToJsonString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Every_conformance_alert_is_accepted_one_per_request_and_recorded_unchanged()
    {
        var lines = ConformanceAlertLines().ToList();
        Assert.NotEmpty(lines);
        var before = _factory.Recorder.Total;
        foreach (var line in lines)
        {
            var response = await PostAsync(line);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(1, (await response.Content.ReadFromJsonAsync<JsonObject>())!["accepted"]!.GetValue<int>());
        }
        AssertSameAlerts(lines, await RecordedByRuleAsync(lines, before));
    }

    [Fact]
    public async Task Every_conformance_alert_is_accepted_as_ndjson_and_recorded_unchanged()
    {
        foreach (var file in Directory.GetFiles(SharedCorpus.Conformance("alerts"), "*.jsonl"))
        {
            var lines = File.ReadLines(file).Where(l => !string.IsNullOrWhiteSpace(l)).ToList();
            var before = _factory.Recorder.Total;
            var response = await PostAsync(File.ReadAllText(file), "application/x-ndjson", "/api/v1/alerts");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(lines.Count, (await response.Content.ReadFromJsonAsync<JsonObject>())!["accepted"]!.GetValue<int>());
            AssertSameAlerts(lines, await RecordedByRuleAsync(lines, before));
        }
    }

    [Fact]
    public async Task An_array_is_accepted_whole_and_unknown_properties_are_kept()
    {
        var withExtra = Alert("Array rule one")[..^1] + ""","uuid":"abc-1","custom":{"n":12345678901234567890}}""";
        var body = $"[{withExtra},{Alert("Array rule two", "info")}]";
        var response = await PostAsync(body, "application/json; charset=utf-8", "/api/v1/alerts");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await response.Content.ReadFromJsonAsync<JsonObject>())!["accepted"]!.GetValue<int>());
        await Eventually.TrueAsync(() => _factory.Recorder.Snapshot().Count(a => a.Rule.StartsWith("Array rule", StringComparison.Ordinal)) == 2, "both alerts");
        var one = JsonNode.Parse(_factory.Recorder.Snapshot().Single(a => a.Rule == "Array rule one").ToJson())!;
        Assert.Equal("abc-1", (string)one["uuid"]!);
        Assert.Equal("12345678901234567890", one["custom"]!["n"]!.ToJsonString());
        Assert.Equal("Informational", _factory.Recorder.Snapshot().Single(a => a.Rule == "Array rule two").Priority.ToString());
    }

    [Fact]
    public async Task Falco_text_output_is_accepted_with_its_priority_and_time_of_day()
    {
        const string line = "13:44:05.478445995: Critical A shell was spawned in a container text-marker-1";
        var response = await PostAsync(line + "\n", "text/plain");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await Eventually.TrueAsync(() => _factory.Recorder.Snapshot().Any(a => a.Output == line), "the text alert");
        var alert = _factory.Recorder.Snapshot().Single(a => a.Output == line);
        Assert.Equal(Core.Alerts.Priority.Critical, alert.Priority);
        Assert.Equal("13:44:05.478445995", alert.Time.ToTimeOfDayString());
        Assert.Equal("Falco text output", alert.Rule);
    }

    public static TheoryData<string, string, string, string> Rejections => new()
    {
        // body, content type, field named in the problem, text in its message
        { "{not json", "application/json", "body", "not valid JSON" },
        { "", "application/json", "body", "empty" },
        { Alert("r", "loud"), "application/json", "priority", "Unknown priority" },
        { """{"priority":"Warning","time":"2024-01-02T03:04:05Z"}""", "application/json", "rule", "required" },
        { """{"rule":"  ","priority":"Warning","time":"2024-01-02T03:04:05Z"}""", "application/json", "rule", "empty" },
        { Alert("r", time: "yesterday"), "application/json", "time", "RFC 3339" },
        { $"[{Alert("ok")},{Alert("bad", "nope")}]", "application/json", "[1].priority", "Unknown priority" },
        { $"{Alert("ok")}\n{Alert("bad", time: "2024-13-45T00:00:00Z")}\n", "application/x-ndjson", "[1].time", "RFC 3339" },
        { $"{Alert("ok")}\n{{oops\n", "application/x-ndjson", "[1]", "not valid JSON" },
        { "[1]", "application/json", "[0]", "Expected an alert object" },
        { "12:00:00.000000000: Loud message", "text/plain", "[0]", "Unknown priority" },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task A_bad_body_is_rejected_with_problem_details_naming_the_field_and_nothing_is_accepted(
        string body, string contentType, string field, string message)
    {
        var before = _factory.Recorder.Total;
        var response = await PostAsync(body, contentType);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        var errors = problem!["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(field), $"expected an error for '{field}', got: {errors.ToJsonString()}");
        Assert.Contains(message, errors[field]!.ToJsonString(), StringComparison.OrdinalIgnoreCase);

        await AssertNextGoodRequestIsAcceptedAsync(before);
    }

    private async Task AssertNextGoodRequestIsAcceptedAsync(long before)
    {
        var marker = "After rejection " + Guid.NewGuid().ToString("N");
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(Alert(marker))).StatusCode);
        await Eventually.TrueAsync(() => _factory.Recorder.Snapshot().Any(a => a.Rule == marker), "the next good alert");
        // Only the good alert arrived: nothing of the rejected request was accepted (the class's tests run one at a time).
        Assert.DoesNotContain(_factory.Recorder.Snapshot(), a => a.Rule is "ok" or "bad" or "r");
        Assert.Equal(before + 1, _factory.Recorder.Total);
    }

    [Fact]
    public async Task A_body_over_the_limit_gets_413()
    {
        var before = _factory.Recorder.Total;
        var big = Alert("big").Replace("something", new string('x', 1024 * 1024 + 10), StringComparison.Ordinal);
        var response = await PostAsync(big);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains("FalcoHook:Ingest:MaxBodyBytes", (string)problem!["detail"]!, StringComparison.Ordinal);
        await AssertNextGoodRequestIsAcceptedAsync(before);
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/xml")]
    public async Task Another_content_type_gets_415(string contentType)
    {
        var before = _factory.Recorder.Total;
        var response = await PostAsync(Alert("typed"), contentType);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Contains(contentType, (string)problem!["detail"]!, StringComparison.Ordinal);
        await AssertNextGoodRequestIsAcceptedAsync(before);
    }

    [Fact]
    public async Task A_body_without_content_type_gets_415()
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Alert("untyped")));
        var response = await _client.PostAsync("/", content);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }
}
