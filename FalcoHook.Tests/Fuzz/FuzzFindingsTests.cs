using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.K8sAudit;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Fuzz;

/// <summary>
/// What the fuzzers found, one input per place a reader turned a JSON string into text: invalid UTF-8 or an unpaired
/// surrogate escape there threw <see cref="InvalidOperationException"/> (a 500). Each is now an error naming the
/// field, from the reader and as 400 problem+json from the endpoint, and nothing of the body is taken.
/// </summary>
public sealed class FuzzFindingsTests(FalcoHookFactory factory) : IClassFixture<FalcoHookFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    /// <summary>A good alert with <paramref name="more"/> (JSON properties) added.</summary>
    private static string Alert(string more) => """{"rule":"r","priority":"Notice","time":"2024-05-01T12:00:00Z",""" + more + "}";

    /// <summary>The UTF-8 of <paramref name="json"/> with each § replaced by the single byte 0xFF.</summary>
    private static byte[] Replace(string json)
    {
        var parts = json.Split('§');
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(parts[0]));
        foreach (var part in parts.Skip(1))
        {
            bytes.Add(0xFF);
            bytes.AddRange(Encoding.UTF8.GetBytes(part));
        }
        return [.. bytes];
    }

    public static TheoryData<string, string> AlertInputs => new()
    {
        // body (§ is the byte 0xFF), field named
        { """{"rule":"§","priority":"Notice","time":"2024-05-01T12:00:00Z"}""", "rule" },
        { """{"rule":"r","priority":"Not§ce","time":"2024-05-01T12:00:00Z"}""", "priority" },
        { """{"rule":"r","priority":"Notice","time":"2024-05-01T12:00:00§Z"}""", "time" },
        { Alert("\"output\":\"o§\""), "output" },
        { Alert("\"source\":\"§\""), "source" },
        { Alert("\"hostname\":\"h§\""), "hostname" },
        { Alert("\"tags\":[\"ok\",\"§\"]"), "tags[1]" },
        { Alert("\"output_fields\":{\"k§\":1}"), "output_fields" },
        { """{"r§le":"x","rule":"r","priority":"Notice","time":"2024-05-01T12:00:00Z"}""", "body" },
        { """{"rule":"\ud800","priority":"Notice","time":"2024-05-01T12:00:00Z"}""", "rule" },
        { """[{"rule":"a","priority":"Notice","time":"2024-05-01T12:00:00Z"},{"rule":"b","priority":"Notice","time":"2024-05-01T12:00:00Z","output":"\udfff"}]""", "[1].output" },
        // An unpaired surrogate escape in a property name (the second run, with invariants): comparing it threw.
        { """{"\ud800":1,"rule":"r","priority":"Notice","time":"2024-05-01T12:00:00Z"}""", "body" },
        { """[{"rule":"r","\udc00x":1,"priority":"Notice","time":"2024-05-01T12:00:00Z"}]""", "[0]" },
        // Accepted before, stored with U+FFFD in place of the byte: an unknown property and an output_fields value.
        { Alert("\"uuid\":\"§\""), "uuid" },
        { Alert("\"output_fields\":{\"k\":\"v§\"}"), "output_fields.k" },
        { Alert("\"output_fields\":{\"k\":[\"a\",{\"b\":\"\\ud800\"}]}"), "output_fields.k" },
    };

    [Theory]
    [MemberData(nameof(AlertInputs))]
    public void The_alert_reader_names_the_field_instead_of_throwing(string json, string field)
    {
        var read = AlertReader.ReadJson(Replace(json));
        Assert.Empty(read.Alerts);
        AssertNamesInvalidText(read.Errors, field);
    }

    [Theory]
    [MemberData(nameof(AlertInputs))]
    public async Task Posting_the_alert_answers_400_naming_the_field(string json, string field)
    {
        var before = factory.Recorder.Total;
        AssertNamesInvalidText(await ErrorsOfAsync(await PostAsync("/", Replace(json))), field);
        Assert.Equal(before, factory.Recorder.Total);
    }

    /// <summary>An audit event the rules read: a secret fetched, with a user, an object and a request body.</summary>
    private static string Event(string user = "alice", string name = "s", string verb = "get", string auditId = "a-1",
        string time = "2024-05-01T10:00:00Z", string image = "nginx") =>
        """{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"AUDIT_ID","stage":"ResponseComplete","verb":"VERB","requestURI":"/api/v1/namespaces/default/pods","stageTimestamp":"TIME","user":{"username":"USER","groups":["system:authenticated"]},"objectRef":{"resource":"pods","namespace":"default","name":"NAME","apiVersion":"v1"},"responseStatus":{"code":201},"requestObject":{"kind":"Pod","spec":{"containers":[{"name":"c","image":"IMAGE","securityContext":{"privileged":true}}]}}}"""
            .Replace("AUDIT_ID", auditId, StringComparison.Ordinal).Replace("VERB", verb, StringComparison.Ordinal)
            .Replace("TIME", time, StringComparison.Ordinal).Replace("USER", user, StringComparison.Ordinal)
            .Replace("NAME", name, StringComparison.Ordinal).Replace("IMAGE", image, StringComparison.Ordinal);

    private static string List(params string[] events) =>
        $$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{{string.Join(",", events)}}]}""";

    public static TheoryData<string, string> AuditInputs => new()
    {
        // body (§ is the byte 0xFF), field named
        { """{"kind":"§"}""", "kind" },
        { """{"kind":"Event","auditID":"§","stageTimestamp":"2024-05-01T12:00:00Z"}""", "auditID" },
        { """{"kind":"Event","auditID":"a","stageTimestamp":"2024-05-01T12:00:00§Z"}""", "stageTimestamp" },
        { List(Event(auditId: "\\ud800")), "items[0].auditID" },
        // An unpaired surrogate escape in a property name: looking up items threw before the text was checked.
        { """{"\ud800":1,"kind":"Event","auditID":"a","stageTimestamp":"2024-05-01T12:00:00Z"}""", "body" },
        { List(Event().Replace("\"level\"", "\"\\udbff\"", StringComparison.Ordinal)), "items[0]" },
        // Taken by the reader before and thrown on while the rules read the field (JsonText.Of): objectRef, user and
        // requestObject, each in the second event of a list whose first is good.
        { List(Event(), Event(name: "pod§")), "items[1].objectRef.name" },
        { List(Event(), Event(user: "bob§")), "items[1].user.username" },
        { List(Event(), Event(image: "nginx§")), "items[1].requestObject.spec.containers[0].image" },
        { List(Event(), Event(image: "\\udc00")), "items[1].requestObject.spec.containers[0].image" },
    };

    [Theory]
    [MemberData(nameof(AuditInputs))]
    public void The_audit_reader_names_the_field_instead_of_throwing(string json, string field)
    {
        using var read = AuditEventReader.Read(Replace(json));
        Assert.Empty(read.Events);
        AssertNamesInvalidText(read.Errors, field);

        // The same body as a line of JSON Lines (the CLI's replay) is refused under the line's index.
        using var lines = AuditEventReader.ReadJsonLines([.. Encoding.UTF8.GetBytes(Event() + "\n"), .. Replace(json)]);
        Assert.Empty(lines.Events);
        AssertNamesInvalidText(lines.Errors, field == "body" ? "[1]" : $"[1].{field}");
    }

    [Theory]
    [MemberData(nameof(AuditInputs))]
    public async Task Posting_the_audit_body_answers_400_naming_the_field(string json, string field)
    {
        var before = factory.Recorder.Total;
        AssertNamesInvalidText(await ErrorsOfAsync(await PostAsync("/k8s-audit", Replace(json))), field);
        Assert.Equal(before, factory.Recorder.Total);
    }

    [Fact]
    public void The_same_audit_events_with_valid_text_are_taken()
    {
        // The control for the cases above: only the invalid byte made them refused.
        using var read = AuditEventReader.Read(Encoding.UTF8.GetBytes(List(Event(), Event(name: "pod", user: "bob", image: "nginx"))));
        Assert.True(read.Ok, string.Join("; ", read.Errors));
        Assert.Equal(2, read.Events.Count);
    }

    private Task<HttpResponseMessage> PostAsync(string path, byte[] body) =>
        _client.PostAsync(path, new ByteArrayContent(body) { Headers = { ContentType = MediaTypeHeaderValue.Parse("application/json") } });

    private static async Task<IReadOnlyList<AlertError>> ErrorsOfAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
        return [.. errors.SelectMany(e => e.Value!.AsArray().Select(m => new AlertError(e.Key, (string)m!)))];
    }

    private static void AssertNamesInvalidText(IReadOnlyList<AlertError> errors, string field) =>
        Assert.True(errors.Any(e => e.Field == field && e.Message.Contains(JsonTextCheck.InvalidText, StringComparison.Ordinal)),
            $"expected '{field}' named as not valid text, got: {string.Join("; ", errors)}");
}
