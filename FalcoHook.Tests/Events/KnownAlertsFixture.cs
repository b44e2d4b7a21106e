using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Events;

/// <summary>
/// The real service with a webhook destination taking Error and above, and a known set of 49 alerts posted to
/// <c>POST /</c> one per request, one second apart in Falco time from 10:59:40 (so they straddle an hour):
/// <list type="bullet">
/// <item>12 "Read sensitive file untrusted", Warning, node-a, syscall, tags filesystem + mitre_credential_access;
///   namespace payments for even n, default for odd; fd.name /etc/shadow for n &lt; 4, /etc/sudoers after.</item>
/// <item>8 "Terminal shell in container", Critical, node-b, syscall, tags container + shell + mitre_execution, namespace payments.</item>
/// <item>25 "K8s Secret Get", Notice, node-c, k8s_audit, tag k8s, namespace kube-system: over the aggregation
///   threshold (20), so the last 5 are held into a storm whose one-minute window is still open.</item>
/// <item>4 "Outbound connection", Error, node-d, syscall, tag network: the same alert four times, so 3 are deduplicated.</item>
/// </list>
/// </summary>
public class KnownAlertsFixture : IAsyncLifetime
{
    public const int Total = 49;
    public static readonly DateTimeOffset Base = new(2026, 11, 30, 10, 59, 40, TimeSpan.Zero);

    public FalcoHookFactory Factory { get; } = new();
    public FakeReceiver Receiver { get; private set; } = null!;
    public HttpClient Reader { get; private set; } = null!;

    /// <summary>The rules in the order they were posted (index = seconds after <see cref="Base"/>).</summary>
    public List<string> Posted { get; } = [];

    /// <summary>Settings of a variant (another storage provider) given to <see cref="Factory"/> before it starts.</summary>
    protected virtual Task ConfigureAsync(FalcoHookFactory factory) => Task.CompletedTask;

    public virtual async Task InitializeAsync()
    {
        await ConfigureAsync(Factory);
        Receiver = await FakeReceiver.StartAsync();
        Factory.WithApiKeys()
            .With("FalcoHook:Destinations:siem:Type", "webhook")
            .With("FalcoHook:Destinations:siem:Url", Receiver.Url("/hook"))
            .With("FalcoHook:Destinations:siem:MinimumPriority", "error");
        Reader = Factory.Client(FalcoHookFactory.ReadKey);
        var ingest = Factory.Client(key: null);
        var n = 0;
        for (var i = 0; i < 12; i++)
            await PostAsync(ingest, n++, "Read sensitive file untrusted", "Warning", "node-a", "syscall", ["filesystem", "mitre_credential_access"],
                i % 2 == 0 ? "payments" : "default", ("fd.name", i < 4 ? "/etc/shadow" : "/etc/sudoers"), ("proc.pid", i.ToString()));
        for (var i = 0; i < 8; i++)
            await PostAsync(ingest, n++, "Terminal shell in container", "Critical", "node-b", "syscall", ["container", "shell", "mitre_execution"],
                "payments", ("proc.name", "bash"), ("proc.pid", (100 + i).ToString()));
        for (var i = 0; i < 25; i++)
            await PostAsync(ingest, n++, "K8s Secret Get", "Notice", "node-c", "k8s_audit", ["k8s"], "kube-system",
                ("ka.target.name", $"secret-{i}"), ("ka.user.name", "system:serviceaccount:ci"));
        for (var i = 0; i < 4; i++)
            await PostAsync(ingest, n++, "Outbound connection", "Error", "node-d", "syscall", ["network"], "default",
                ("fd.sip", "203.0.113.7"), ("proc.name", "curl"));
        Assert.Equal(Total, n);
        await Eventually.TrueAsync(async () => (await AllAsync("/api/v1/events?limit=1000")).Count == Total, "all 49 alerts in the history");
    }

    private async Task PostAsync(HttpClient client, int n, string rule, string priority, string hostname, string source, string[] tags,
        string ns, params (string Key, string Value)[] fields)
    {
        var time = Base.AddSeconds(n);
        var outputFields = new JsonObject { ["k8s.ns.name"] = ns, ["evt.time"] = time.ToUnixTimeMilliseconds() * 1_000_000 };
        foreach (var (key, value) in fields) outputFields[key] = value;
        var alert = new JsonObject
        {
            ["hostname"] = hostname,
            ["output"] = $"{time:HH:mm:ss}.000000000: {priority} {rule} ({string.Join(' ', fields.Select(f => $"{f.Key}={f.Value}"))} k8s.ns.name={ns})",
            ["priority"] = priority,
            ["rule"] = rule,
            ["source"] = source,
            ["tags"] = new JsonArray([.. tags.Select(t => JsonValue.Create(t))]),
            ["time"] = time.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffff00Z"),
            ["output_fields"] = outputFields,
        };
        using var response = await client.PostAsync("/", new StringContent(alert.ToJsonString(), System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Posted.Add(rule);
    }

    /// <summary>Every event of a query, following the cursor.</summary>
    public async Task<List<JsonElement>> AllAsync(string url)
    {
        var items = new List<JsonElement>();
        var next = url;
        while (next is not null)
        {
            var page = await Reader.GetFromJsonAsync<JsonElement>(next);
            items.AddRange(page.GetProperty("items").EnumerateArray());
            var cursor = page.GetProperty("next");
            next = cursor.ValueKind == JsonValueKind.String ? url + (url.Contains('?') ? "&" : "?") + "cursor=" + Uri.EscapeDataString(cursor.GetString()!) : null;
        }
        return items;
    }

    public virtual async Task DisposeAsync()
    {
        Reader?.Dispose();
        await Factory.DisposeAsync();
        if (Receiver is not null) await Receiver.DisposeAsync();
    }
}
