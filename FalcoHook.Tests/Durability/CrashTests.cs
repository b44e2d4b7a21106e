using System.Security.Cryptography;
using FalcoHook.Tests.Support;
using Xunit.Abstractions;

namespace FalcoHook.Tests.Durability;

/// <summary>Tests that run the service as a child process and kill it: alone, so a busy machine does not starve them.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CrashCollection
{
    public const string Name = "Crash";
}

/// <summary>
/// The product's promise under the worst stop there is: the real service, a child process, gets SIGKILL while it
/// accepts and delivers alerts, and restarts on the same SQLite file. Every alert that got a 2xx reaches the
/// webhook (Standard Webhooks, signed); an alert that arrives twice carries the same <c>webhook-id</c> both times.
/// Dedup and aggregation are switched off (the test's alerts are all distinct anyway), so every accepted alert must
/// arrive as itself; <see cref="AggregationCrashTests"/> runs the same kills with storm windows holding alerts back.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Kills = 3;
    private const int Senders = 4;

    [Fact]
    public async Task Every_accepted_alert_reaches_the_webhook_through_SIGKILLs_and_a_repeat_keeps_its_webhook_id()
    {
        using var dir = new TempDirectory();
        var database = dir.File("falcohook.db");
        var key = RandomNumberGenerator.GetBytes(32);
        await using var receiver = await FakeReceiver.StartAsync();
        var sink = new WebhookSink(key, alert => alert.GetProperty("output_fields").GetProperty("test.id").GetString()!);
        receiver.Responder = sink.Answer;
        var settings = Settings(database, receiver.Url("/falco"), key);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var load = new CrashLoad(http, CrashAlert);
        var backlogAtKills = await SigkillRuns.RunAsync(dir.Path, database, settings, http, load, Senders, sink,
            new SigkillPlan(Kills, AcceptedPerRun: 150, DeliveredPerRun: 40, AcceptedAfterLast: 100, "alerts"), output);

        var missing = load.Accepted.Keys.Where(a => !sink.HasDelivered(a)).ToList();
        Assert.Empty(missing);
        Assert.Empty(sink.AlertsWithSeveralIds());
        Assert.Equal(0, sink.BadSignatures);
        Assert.Equal(0, load.Unexpected);
        // The kills hit work in progress: something was still to do in the file each time it was killed.
        Assert.All(backlogAtKills, b => Assert.True(b > 0, "a kill found nothing in progress"));
        Assert.True(sink.Failed > 0, "the receiver never failed a delivery");

        // The history too: the drain keeps a row until its event is stored, so what a kill left unrecorded is recorded
        // when the service next starts (the last run was killed as well).
        await using (var service = ServiceProcess.Start(dir.Path, settings))
        {
            await service.WaitUntilReadyAsync(http);
            await service.WaitUntilAsync(() => load.Accepted.Keys.All(HistoryRules(dir.File("events.db")).Contains), "every accepted alert in the history",
                TimeSpan.FromSeconds(45));
        }
        var recorded = HistoryRules(dir.File("events.db"));
        Assert.All(load.Accepted.Keys, id => Assert.Contains(id, recorded));
    }

    /// <summary>The test ids of the alerts in the history file (each alert's rule is "Crash test {id}").</summary>
    private static HashSet<string> HistoryRules(string file)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT rule FROM events WHERE kind = 0";
        var ids = new HashSet<string>(StringComparer.Ordinal);
        using var reader = command.ExecuteReader();
        while (reader.Read()) ids.Add(reader.GetString(0)["Crash test ".Length..]);
        return ids;
    }

    private static Dictionary<string, string> Settings(string database, string url, byte[] key) => new(SigkillRuns.ServiceSettings(database))
    {
        ["FalcoHook:Destinations:sink:Type"] = "webhook",
        ["FalcoHook:Destinations:sink:Url"] = url,
        ["FalcoHook:Destinations:sink:Secret"] = "whsec_" + Convert.ToBase64String(key),
        ["FalcoHook:Destinations:sink:MaxConcurrency"] = "8",
        ["FalcoHook:Destinations:sink:Timeout"] = "00:00:05",
    };

    private static string CrashAlert(int sequence) => CrashAlert(CrashLoad.Id(sequence));

    private static string CrashAlert(string id) =>
        $$$"""{"rule":"Crash test {{{id}}}","priority":"Warning","time":"{{{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffffff}}}Z","source":"syscall","hostname":"node-1","output":"crash test alert {{{id}}}","output_fields":{"test.id":"{{{id}}}"}}""";
}
