using System.Security.Cryptography;
using System.Text.Json.Nodes;
using FalcoHook.Tests.Support;
using Xunit.Abstractions;

namespace FalcoHook.Tests.Durability;

/// <summary>
/// <see cref="CrashTests"/> through <c>POST /k8s-audit</c>: a client posts <c>EventList</c> batches of <c>kubectl exec</c>
/// events (each raising one alert of the default rules, its pod named after the event) while the service gets
/// SIGKILL and restarts on the same file. Every alert of every batch that got a 2xx reaches the webhook; one that
/// arrives twice carries the same <c>webhook-id</c> both times.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class K8sAuditCrashTests(ITestOutputHelper output)
{
    private const int Kills = 2;
    private const int Senders = 4;
    private static readonly string ExecFixture = File.ReadAllText(Path.Combine(SharedCorpus.RepositoryRoot, "FalcoHook.Tests", "K8sAudit", "Fixtures", "pod-exec-or-attach.fires.json"));

    [Fact]
    public async Task Every_alert_of_every_accepted_audit_batch_reaches_the_webhook_through_SIGKILLs()
    {
        using var dir = new TempDirectory();
        var database = dir.File("falcohook.db");
        var key = RandomNumberGenerator.GetBytes(32);
        await using var receiver = await FakeReceiver.StartAsync();
        var sink = new WebhookSink(key, alert => alert.GetProperty("output_fields").GetProperty("ka.target.name").GetString()!);
        receiver.Responder = sink.Answer;
        var settings = Settings(database, receiver.Url("/audit"), key);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var load = new CrashLoad(http, ExecEvent, "/k8s-audit",
            events => $$"""{"kind":"EventList","apiVersion":"audit.k8s.io/v1","items":[{{string.Join(",", events)}}]}""");
        var backlogAtKills = await SigkillRuns.RunAsync(dir.Path, database, settings, http, load, Senders, sink,
            new SigkillPlan(Kills, AcceptedPerRun: 60, DeliveredPerRun: 20, AcceptedAfterLast: 30, "audit events"), output);

        var missing = load.Accepted.Keys.Where(a => !sink.HasDelivered(a)).ToList();
        Assert.Empty(missing);
        Assert.Empty(sink.AlertsWithSeveralIds());
        Assert.Equal(0, sink.BadSignatures);
        Assert.Equal(0, load.Unexpected);
        Assert.All(backlogAtKills, b => Assert.True(b > 0, "a kill found nothing in progress"));
    }

    private static Dictionary<string, string> Settings(string database, string url, byte[] key) => new(SigkillRuns.ServiceSettings(database))
    {
        ["FalcoHook:Rules:Paths:0"] = Path.Combine(AppContext.BaseDirectory, "rules", "k8s_audit"),
        ["FalcoHook:Rules:Watch"] = "false",
        ["FalcoHook:Destinations:audit:Type"] = "webhook",
        ["FalcoHook:Destinations:audit:Url"] = url,
        ["FalcoHook:Destinations:audit:Secret"] = "whsec_" + Convert.ToBase64String(key),
        ["FalcoHook:Destinations:audit:MaxConcurrency"] = "8",
        ["FalcoHook:Destinations:audit:Timeout"] = "00:00:05",
    };

    /// <summary>The exec fixture (fires "K8s Pod Exec or Attach") for a pod named after the event, with its own audit id and times.</summary>
    private static string ExecEvent(int sequence)
    {
        var pod = CrashLoad.Id(sequence);
        var now = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.ffffffZ", System.Globalization.CultureInfo.InvariantCulture);
        var item = JsonNode.Parse(ExecFixture)!.AsObject();
        item["auditID"] = Guid.NewGuid().ToString();
        item["objectRef"]!["name"] = pod;
        item["requestURI"] = $"/api/v1/namespaces/shop/pods/{pod}/exec?command=sh&container=web&stdin=true&stdout=true&tty=true";
        item["requestReceivedTimestamp"] = now;
        item["stageTimestamp"] = now;
        return item.ToJsonString();
    }
}
