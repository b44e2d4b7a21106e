using System.Net.Sockets;
using System.Text;

namespace FalcoHook.Bench.Hostile;

/// <summary>
/// One kind of request in the hostile mix: how to send it, which answers it may get, and the latency budget the
/// README's Limits section documents for it.
/// </summary>
public sealed record HostileKind(string Name, int[] Expected, TimeSpan Budget, Func<MixClient, CancellationToken, Task<int>> Send);

/// <summary>The service under test: its address, an HTTP client, and the write key for management requests.</summary>
public sealed class MixClient(HttpClient http, Uri baseUrl, string writeKey)
{
    public HttpClient Http => http;
    public Uri BaseUrl => baseUrl;

    public async Task<int> PostAsync(string path, byte[] body, string contentType, bool withKey, CancellationToken cancel)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, path))
        {
            Content = new ByteArrayContent(body) { Headers = { { "Content-Type", contentType } } },
        };
        if (withKey) request.Headers.Add("X-Api-Key", writeKey);
        using var response = await http.SendAsync(request, cancel);
        await response.Content.ReadAsByteArrayAsync(cancel);
        // A 503 must say when to come back.
        if ((int)response.StatusCode == 503 && response.Headers.RetryAfter is null) return -503;
        return (int)response.StatusCode;
    }

    public Task<int> PostAsync(string path, string body, bool withKey, CancellationToken cancel, string contentType = "application/json") =>
        PostAsync(path, Encoding.UTF8.GetBytes(body), contentType, withKey, cancel);
}

/// <summary>The requests of issue 14's defects, each built once and sent as often as the mix loops.</summary>
public static class HostileKinds
{
    /// <summary>Prompt answers (parsing refused early, nothing waits): the README's budget for ingest and management requests.</summary>
    public static readonly TimeSpan Prompt = TimeSpan.FromSeconds(2);

    /// <summary><c>validate</c>/<c>test</c>: <c>FalcoHook:Rules:ToolsTimeout</c> (5 s) plus 1 s to answer.</summary>
    public static readonly TimeSpan Tools = TimeSpan.FromSeconds(6);

    /// <summary>A stalled body: Kestrel's 5 s grace, its once-a-second rate check, and 2 s to answer 408.</summary>
    public static readonly TimeSpan Stalled = TimeSpan.FromSeconds(8);

    private static string DeepDesc(int depth) =>
        $"- rule: Deep\n  desc: {new string('[', depth)}x{new string(']', depth)}\n  condition: ka.verb = get\n  output: o\n  priority: INFO\n  source: k8s_audit\n";

    private static string ListBomb()
    {
        var yaml = new StringBuilder("- list: l0\n  items: [a, b, c, d, e, f, g, h, i, j]\n");
        for (var k = 1; k <= 9; k++) yaml.Append($"- list: l{k}\n  items: [{string.Join(", ", Enumerable.Repeat($"l{k - 1}", 10))}]\n");
        return yaml.Append("- rule: Bomb\n  desc: d\n  condition: ka.verb in (l9)\n  output: o\n  priority: INFO\n  source: k8s_audit\n").ToString();
    }

    private static string Json(string text) => System.Text.Json.JsonSerializer.Serialize(text);

    private static byte[] WithBytes(string text, string marker, params byte[] bytes)
    {
        var cut = text.IndexOf(marker, StringComparison.Ordinal);
        return [.. Encoding.UTF8.GetBytes(text[..cut]), .. bytes, .. Encoding.UTF8.GetBytes(text[(cut + marker.Length)..])];
    }

    private const string AuditEvent =
        """{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a-1","stage":"ResponseComplete","verb":"get","stageTimestamp":"2024-05-01T10:00:00Z","user":{"username":"USER"},"objectRef":{"resource":"secrets","namespace":"default","name":"s"}}""";

    /// <summary>A good Falco alert (the shape http_output posts) carrying <paramref name="id"/> in <c>output_fields["test.id"]</c>.</summary>
    public static string GoodAlert(string id) =>
        $$$"""[{"hostname":"h","output":"a shell","priority":"Warning","rule":"Terminal shell in container","source":"syscall","tags":["shell"],"time":"2024-05-25T13:44:05.478445995Z","output_fields":{"proc.name":"sh","test.id":"{{{id}}}"}}]""";

    public static IReadOnlyList<HostileKind> All()
    {
        var deepImport = $"{{\"yaml\":{Json(DeepDesc(30_000))}}}";
        var deepValidate = $"{{\"yaml\":{Json(DeepDesc(100_000))}}}";
        var deepTest = $"{{\"event\":{AuditEvent.Replace("USER", "u")},\"rules\":{Json(DeepDesc(100_000))}}}";
        var emptyObjects = "[" + string.Join(",", Enumerable.Repeat("{}", 100_000)) + "]";
        var listBomb = $"{{\"yaml\":{Json(ListBomb())}}}";
        const string alert = """[{"rule":"RULE","priority":"Notice","time":"2024-01-02T03:04:05Z","output":"o","output_fields":{"proc.name":"x"}}]""";
        var invalidUtf8 = WithBytes(alert, "RULE", 0xC0, 0xAF);
        var loneSurrogate = alert.Replace("RULE", "\\ud800");
        var ndjson = WithBytes(alert[1..^1] + "\n" + alert[1..^1].Replace("proc.name", "KEY"), "KEY", 0xFF);
        var auditList = $$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{{AuditEvent}}]}""";
        var auditInvalid = WithBytes(auditList, "USER", 0xFF);
        var auditSurrogate = auditList.Replace("USER", "\\ud800");
        var farFuture = alert.Replace("RULE", "r").Replace("2024-01-02T03:04:05Z", "9999-12-31T23:59:59.999999999Z");
        const string nullMatcher = """{"matchers":[null],"endsAt":"2999-01-01T00:00:00Z","createdBy":"mix","comment":"c"}""";
        const string rule = """{"name":NAME,"desc":"d","condition":"ka.verb = delete","output":"o","priority":"WARNING","source":"k8s_audit"}""";
        var appsV1 = auditList.Replace("\"apiVersion\":\"audit.k8s.io/v1\",\"items\"", "\"apiVersion\":\"apps/v1\",\"items\"");

        return
        [
            new("import-deep-30000", [422], Prompt, (c, t) => c.PostAsync("/api/v1/rules/import", deepImport, true, t)),
            new("validate-deep-100000", [200, 503], Tools, (c, t) => c.PostAsync("/api/v1/rules/validate", deepValidate, true, t)),
            new("test-deep-100000", [422, 503], Tools, (c, t) => c.PostAsync("/api/v1/rules/test", deepTest, true, t)),
            new("empty-objects-100000", [400], Prompt, (c, t) => c.PostAsync("/", emptyObjects, false, t)),
            new("validate-list-bomb", [200, 503], Tools, (c, t) => c.PostAsync("/api/v1/rules/validate", listBomb, true, t)),
            new("alert-invalid-utf8", [400], Prompt, (c, t) => c.PostAsync("/", invalidUtf8, "application/json", false, t)),
            new("alert-lone-surrogate", [400], Prompt, (c, t) => c.PostAsync("/", loneSurrogate, false, t)),
            new("ndjson-invalid-utf8-key", [400], Prompt, (c, t) => c.PostAsync("/", ndjson, "application/x-ndjson", false, t)),
            new("audit-invalid-utf8", [400], Prompt, (c, t) => c.PostAsync("/k8s-audit", auditInvalid, "application/json", false, t)),
            new("audit-lone-surrogate", [400], Prompt, (c, t) => c.PostAsync("/k8s-audit", auditSurrogate, false, t)),
            new("alert-far-future-time", [400], Prompt, (c, t) => c.PostAsync("/", farFuture, false, t)),
            new("silence-null-matcher", [400], Prompt, (c, t) => c.PostAsync("/api/v1/silences", nullMatcher, true, t)),
            // Accepted once (a '/' round-trips as %2F), then 409: it exists.
            new("rule-name-dot-dot-slash", [201, 409], Prompt, (c, t) => c.PostAsync("/api/v1/rules", rule.Replace("NAME", Json("../../etc/passwd")), true, t)),
            new("rule-name-cr-nul", [400], Prompt, (c, t) => c.PostAsync("/api/v1/rules", rule.Replace("NAME", Json("bad\r\0name")), true, t)),
            new("audit-apps-v1", [400], Prompt, (c, t) => c.PostAsync("/k8s-audit", appsV1, false, t)),
        ];
    }

    /// <summary>Sends headers promising 1,000 bytes, then 10, then nothing: the service should answer 408 once the body stalls.</summary>
    public static readonly HostileKind StalledBody = new("stalled-body", [408], Stalled, SendStalledAsync);

    private static async Task<int> SendStalledAsync(MixClient client, CancellationToken cancel)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(client.BaseUrl.Host, client.BaseUrl.Port, cancel);
        var stream = socket.GetStream();
        var head = $"POST / HTTP/1.1\r\nHost: {client.BaseUrl.Authority}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n[{{\"rule\":\"";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), cancel);
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer, cancel);
        var status = Encoding.ASCII.GetString(buffer, 0, read).Split(' ', 3);
        return status.Length > 1 && int.TryParse(status[1], out var code) ? code : -1;
    }
}
