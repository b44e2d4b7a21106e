using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.K8sAudit;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Fuzz;

/// <summary>
/// Every input with which the fuzzers made a reader throw (FalcoHook.Tests/Fuzz/Crashes, as afl-fuzz wrote them),
/// replayed the ways the fuzz targets read it: the reader returns errors, one of them naming text that is not valid,
/// and the endpoint answers 400 problem+json naming the same fields.
/// </summary>
public sealed class FuzzCrashCorpusTests(FalcoHookFactory factory) : IClassFixture<FalcoHookFactory>
{
    private readonly HttpClient _client = factory.CreateClient();

    private static string Folder(string target) => Path.Combine(SharedCorpus.RepositoryRoot, "FalcoHook.Tests", "Fuzz", "Crashes", target);

    private static TheoryData<string> Inputs(string target)
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Folder(target)).Select(Path.GetFileName).Order(StringComparer.Ordinal)) data.Add(file!);
        return data;
    }

    public static TheoryData<string> AlertCrashes => Inputs("alerts");

    public static TheoryData<string> AuditCrashes => Inputs("audit");

    [Fact]
    public void The_corpus_holds_every_crash_found()
    {
        // The first run: 43 from the alerts target and 9 from the audit target (fuzz/run.sh, 60 s each); the second
        // (with FALCOHOOK_FUZZ_INVARIANTS=1): one more from the alerts target, run2-000000.
        Assert.Equal(44, AlertCrashes.Count);
        Assert.Equal(9, AuditCrashes.Count);
    }

    [Theory]
    [MemberData(nameof(AlertCrashes))]
    public async Task An_alert_crash_input_is_refused_naming_text_that_is_not_valid(string name)
    {
        var input = File.ReadAllBytes(Path.Combine(Folder("alerts"), name));
        // The alerts target reads the input both ways; whichever way threw now names the text.
        var json = AlertReader.ReadJson(input);
        var lines = AlertReader.ReadNdjson(input);
        var (read, contentType) = NamesInvalidText(json.Errors) ? (json, "application/json") : (lines, "application/x-ndjson");
        Assert.True(NamesInvalidText(read.Errors), $"neither read names text that is not valid: {string.Join("; ", json.Errors.Concat(lines.Errors))}");
        Assert.Empty(read.Alerts);

        var before = factory.Recorder.Total;
        AssertSameFields(read.Errors, await ErrorsOfAsync(await PostAsync("/", input, contentType)));
        Assert.Equal(before, factory.Recorder.Total);
    }

    [Theory]
    [MemberData(nameof(AuditCrashes))]
    public async Task An_audit_crash_input_is_refused_naming_text_that_is_not_valid(string name)
    {
        var input = File.ReadAllBytes(Path.Combine(Folder("audit"), name));
        using var whole = AuditEventReader.Read(input);
        using var lines = AuditEventReader.ReadJsonLines(input);
        Assert.True(NamesInvalidText(whole.Errors) || NamesInvalidText(lines.Errors),
            $"neither read names text that is not valid: {string.Join("; ", whole.Errors.Concat(lines.Errors))}");
        Assert.Empty(whole.Events);

        // POST /k8s-audit reads one JSON value, as Read does: the same fields are named.
        var before = factory.Recorder.Total;
        AssertSameFields(whole.Errors, await ErrorsOfAsync(await PostAsync("/k8s-audit", input, "application/json")));
        Assert.Equal(before, factory.Recorder.Total);
    }

    private static bool NamesInvalidText(IReadOnlyList<AlertError> errors) =>
        errors.Any(e => e.Message.Contains(JsonTextCheck.InvalidText, StringComparison.Ordinal));

    private Task<HttpResponseMessage> PostAsync(string path, byte[] body, string contentType) =>
        _client.PostAsync(path, new ByteArrayContent(body) { Headers = { ContentType = MediaTypeHeaderValue.Parse(contentType) } });

    private static async Task<JsonObject> ErrorsOfAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["errors"]!.AsObject();
    }

    private static void AssertSameFields(IReadOnlyList<AlertError> expected, JsonObject answered) =>
        Assert.Equal(expected.Select(e => e.Field).Distinct().Order(StringComparer.Ordinal),
            answered.Select(p => p.Key).Order(StringComparer.Ordinal));
}
