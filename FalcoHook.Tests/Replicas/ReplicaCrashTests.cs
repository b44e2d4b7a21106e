using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using FalcoHook.Tests.Durability;
using FalcoHook.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace FalcoHook.Tests.Replicas;

/// <summary>
/// Three replicas of the real service on one PostgreSQL, a client spreading 3,000 Falco alerts over them (one in ten a
/// repeat of an earlier alert, and a storm of 300 alerts of one rule); the leader (the replica running the drain and
/// the pipeline) is SIGKILLed mid-run, and later the replica that took over, each restarted. Every alert that got a
/// 2xx reaches the webhook, a storm alert singly or counted in a summary; a resend carries the same webhook-id; a
/// repeat inside the dedup window is sent once in total, whichever replica took it; the storm's summaries add up to
/// the storm alerts accepted. The measured failover times are printed.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed partial class ReplicaCrashTests(ITestOutputHelper output)
{
    private const int Total = 3000;
    private const int StormFrom = 1200, StormSize = 300;
    private const int Threshold = 5;
    private const int Senders = 6;
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task Every_accepted_alert_arrives_once_through_two_replica_kills_and_the_storm_adds_up()
    {
        PostgresServer.Require();
        await using var server = await PostgresServer.StartNewAsync();
        var connectionString = await server.CreateDatabaseAsync("replicas");
        using var dir = new TempDirectory();
        var key = RandomNumberGenerator.GetBytes(32);
        await using var receiver = await FakeReceiver.StartAsync();
        var summaries = new ConcurrentDictionary<string, long>();
        var sink = new WebhookSink(key, alert => Identify(alert, summaries));
        receiver.Responder = sink.Answer;
        var settings = ReplicaSet.Settings(connectionString);
        foreach (var (name, value) in Settings(receiver.Url("/falco"), key)) settings[name] = value;

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        await using var replicas = new ReplicaSet(dir.Path, settings, http);
        for (var slot = 0; slot < 3; slot++) await replicas.StartAsync(slot);
        var load = new ReplicaLoad(http, Plan, Total);
        for (var slot = 0; slot < 3; slot++) load.Add(replicas[slot].BaseUrl);
        var senders = load.Start(Senders);
        var failovers = new List<TimeSpan>();
        try
        {
            // The leader dies with work in hand; another takes over; it comes back as a follower.
            await Eventually.TrueAsync(() => load.Accepted.Count >= 800 && sink.DeliveredAlerts >= 200, "800 alerts accepted, 200 delivered", StepTimeout);
            var first = await KillLeaderAsync(replicas, load, failovers);
            // The replica that took over dies during the storm, with storm windows open.
            await Eventually.TrueAsync(() => load.Sent >= StormFrom + StormSize / 2, "half the storm sent", StepTimeout);
            var second = await KillLeaderAsync(replicas, load, failovers);
            Assert.NotEqual(first, second);
            await Task.WhenAll(senders).WaitAsync(StepTimeout);
            var left = "";
            await Eventually.TrueAsync(async () => (left = await LeftAsync(connectionString)) == "", "inbox drained, storm windows closed, deliveries delivered",
                StepTimeout, () => $"left: {left}\n{replicas.Output}");
        }
        finally
        {
            await load.StopAsync(senders);
        }

        var storm = load.Accepted.Keys.Where(IsStorm).ToList();
        var single = load.Accepted.Keys.Where(id => !IsStorm(id)).ToList();
        var stormSingly = storm.Count(sink.HasDelivered);
        var accounted = stormSingly + summaries.Values.Sum(count => count - Threshold);
        output.WriteLine($"{load.Accepted.Count} alerts accepted (2xx) of {Total} sent, {load.Refused} requests refused, {load.Uncertain.Count} cut by a kill; " +
                         $"{sink.DeliveredAlerts} alerts and summaries delivered in {sink.Requests} requests ({sink.Failed} answered 500 on purpose), " +
                         $"{sink.Repeats} delivered more than once (same webhook-id)");
        output.WriteLine($"storm: {storm.Count} accepted, {stormSingly} sent singly, {summaries.Count} summaries counting {summaries.Values.Sum()}: {accounted} accounted for");
        output.WriteLine($"failover (leader killed -> another replica leads): {string.Join(", ", failovers.Select(f => $"{f.TotalMilliseconds:F0} ms"))}");

        Assert.Empty(load.Unexpected);
        Assert.Equal(0, sink.BadSignatures);
        var missing = single.Where(id => !sink.HasDelivered(id)).ToList();
        Assert.Empty(missing);
        // One webhook-id per alert and per storm window: a repeat taken by another replica was not sent again, and a
        // resend after a kill is the same delivery.
        Assert.Empty(sink.AlertsWithSeveralIds());
        Assert.True(sink.Failed > 0, "the receiver never failed a delivery");
        Assert.NotEmpty(summaries);
        Assert.InRange(accounted, storm.Count, storm.Count + load.Uncertain.Keys.Count(IsStorm));
    }

    private async Task<int> KillLeaderAsync(ReplicaSet replicas, ReplicaLoad load, List<TimeSpan> failovers)
    {
        var leader = replicas.Leader() ?? (await replicas.NextLeaderAsync(null, StepTimeout)).Slot;
        var url = replicas[leader].BaseUrl;
        await replicas.KillAsync(leader);
        load.Remove(url);
        var (next, after) = await replicas.NextLeaderAsync(leader, StepTimeout);
        failovers.Add(after);
        output.WriteLine($"killed leader {leader} at {load.Accepted.Count} accepted; replica {next} leads {after.TotalMilliseconds:F0} ms later");
        var restarted = await replicas.StartAsync(leader);
        load.Add(restarted.BaseUrl);
        return leader;
    }

    /// <summary>
    /// What is left to do in the database (empty when nothing): inbox rows, storm windows holding alerts back for a
    /// summary, deliveries not yet delivered. (A window that closed under the threshold has nothing to send; its row
    /// may stay until the pipeline next saves its state.)
    /// </summary>
    private static async Task<string> LeftAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT 'inbox ' || COUNT(*) FROM inbox HAVING COUNT(*) > 0 " +
            "UNION ALL SELECT 'windows holding alerts ' || COUNT(*) FROM pipeline_groups WHERE held > 0 HAVING COUNT(*) > 0 " +
            "UNION ALL SELECT 'deliveries ' || state || ' ' || COUNT(*) FROM deliveries WHERE state <> 'delivered' GROUP BY state", connection);
        var left = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) left.Add(reader.GetString(0));
        return string.Join(", ", left);
    }

    private static Dictionary<string, string> Settings(string url, byte[] key) => new()
    {
        ["FalcoHook:Destinations:sink:Type"] = "webhook",
        ["FalcoHook:Destinations:sink:Url"] = url,
        ["FalcoHook:Destinations:sink:Secret"] = "whsec_" + Convert.ToBase64String(key),
        ["FalcoHook:Destinations:sink:MaxConcurrency"] = "8",
        ["FalcoHook:Destinations:sink:Timeout"] = "00:00:05",
        ["FalcoHook:Delivery:InitialBackoff"] = "00:00:00.050",
        ["FalcoHook:Delivery:MaxBackoff"] = "00:00:00.250",
        ["FalcoHook:Delivery:PollInterval"] = "00:00:00.200",
        ["FalcoHook:Delivery:MaxAttempts"] = "1000",
        ["FalcoHook:Delivery:LeaseDuration"] = "00:00:10",
        ["FalcoHook:Ingest:PollInterval"] = "00:00:00.200",
        ["FalcoHook:Ingest:FailureBackoff"] = "00:00:00.050",
        ["FalcoHook:Pipeline:Dedup:Enabled"] = "true",
        ["FalcoHook:Pipeline:Dedup:Window"] = "00:10:00",
        ["FalcoHook:Pipeline:Aggregate:Enabled"] = "true",
        ["FalcoHook:Pipeline:Aggregate:Threshold"] = Threshold.ToString(CultureInfo.InvariantCulture),
        ["FalcoHook:Pipeline:Aggregate:Window"] = "00:00:03",
    };

    private static readonly string Time = $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffffff}Z";

    /// <summary>
    /// Item <paramref name="index"/>: the storm (one rule, distinct alerts), a repeat of the alert four before it (one in
    /// ten outside the storm: the same alert again, so the same id), or a distinct alert.
    /// </summary>
    private static (string Id, string Json) Plan(int index)
    {
        if (index is >= StormFrom and < StormFrom + StormSize)
            return ($"s{index}", Alert($"s{index}", "Replica storm"));
        if (index % 10 == 9 && index - 4 is < StormFrom or >= StormFrom + StormSize) return Plan(index - 4);
        return ($"a{index}", Alert($"a{index}", $"Replica test a{index}"));
    }

    private static string Alert(string id, string rule) =>
        $$$"""{"rule":"{{{rule}}}","priority":"Warning","time":"{{{Time}}}","source":"syscall","hostname":"node-1","output":"replica test alert {{{id}}}","output_fields":{"test.id":"{{{id}}}"}}""";

    private static bool IsStorm(string id) => id.StartsWith('s');

    /// <summary>An alert by its test.id; a storm summary by its window (rule and end), its count kept in <paramref name="summaries"/>.</summary>
    private static string Identify(JsonElement alert, ConcurrentDictionary<string, long> summaries)
    {
        if (alert.TryGetProperty("tags", out var tags) && tags.EnumerateArray().Any(t => t.GetString() == "aggregated"))
        {
            var window = $"summary {alert.GetProperty("rule").GetString()}@{alert.GetProperty("time").GetString()}";
            summaries[window] = long.Parse(SummaryCount().Match(alert.GetProperty("output").GetString()!).Groups[1].Value, CultureInfo.InvariantCulture);
            return window;
        }
        return alert.GetProperty("output_fields").GetProperty("test.id").GetString()!;
    }

    [GeneratedRegex(@"^(\d+) alerts of ")]
    private static partial Regex SummaryCount();
}
