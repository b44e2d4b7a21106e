using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FalcoHook.Tests.Fakes;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace FalcoHook.Tests.Durability;

/// <summary>
/// <see cref="CrashTests"/> with dedup and aggregation ON: a low threshold and a short window, so every SIGKILL finds
/// storm windows holding alerts back. Their state is in the SQLite file, so after the restarts every accepted alert is
/// accounted for at the webhook — sent one by one, or counted in exactly one storm summary — and nothing is sent twice
/// under two webhook-ids.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed partial class AggregationCrashTests(ITestOutputHelper output)
{
    private const int Kills = 3;
    private const int Senders = 4;
    private const int Threshold = 3;
    private const int Groups = 4;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(3);
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(45);

    [Fact]
    public async Task Alerts_held_in_storm_windows_are_accounted_for_through_SIGKILLs()
    {
        using var dir = new TempDirectory();
        var database = dir.File("falcohook.db");
        await using var receiver = await FakeReceiver.StartAsync();
        var sink = new Sink();
        receiver.Responder = sink.Answer;
        var settings = Settings(database, receiver.Url("/falco"));

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var load = new CrashLoad(http, StormAlert);
        var senders = load.Start(Senders);
        var heldAtKills = new List<long>();
        try
        {
            for (var run = 0; run <= Kills; run++)
            {
                await using var service = ServiceProcess.Start(dir.Path, settings);
                await service.WaitUntilReadyAsync(http, ReadyTimeout);
                var acceptedBefore = load.Accepted.Count;
                load.Target = service.BaseUrl;
                if (run < Kills)
                {
                    await service.WaitUntilAsync(() => load.Accepted.Count >= acceptedBefore + 300 && Held(database) > 0, "alerts accepted and held in storm windows", TimeSpan.FromSeconds(60));
                    service.Kill();
                    load.Target = null;
                    heldAtKills.Add(Held(database));
                    output.WriteLine($"kill {run + 1}: {load.Accepted.Count} accepted so far; {heldAtKills[^1]} alerts held in open storm windows");
                    continue;
                }
                await service.WaitUntilAsync(() => load.Accepted.Count >= acceptedBefore + 100, "alerts accepted after the last restart", TimeSpan.FromSeconds(60));
                await load.StopAsync(senders);
                // Every window closes within Window after the last alert; its summary then goes out.
                await service.WaitUntilAsync(() => sink.Accounted >= load.Accepted.Count && Held(database) == 0, "every accepted alert accounted for", TimeSpan.FromSeconds(60),
                    () => $"accounted {sink.Accounted} of {load.Accepted.Count} accepted");
                await Task.Delay(Window + TimeSpan.FromSeconds(2)); // anything late (a second summary) would show now
            }
        }
        finally
        {
            await load.StopAsync(senders);
        }

        output.WriteLine($"{load.Accepted.Count} alerts accepted, {load.Uncertain.Count} cut by a kill (fate unknown); " +
                         $"{sink.Individual} sent one by one, {sink.Summaries} summaries holding {sink.HeldInSummaries} more: {sink.Accounted} accounted for");
        Assert.Equal(0, load.Unexpected);
        Assert.All(heldAtKills, held => Assert.True(held > 0, "a kill found no storm window holding alerts"));
        Assert.True(sink.Summaries > 0, "no storm summary");
        // Conservation: every accepted alert is accounted for once; the only others are those whose 2xx a kill cut off.
        Assert.InRange(sink.Accounted, load.Accepted.Count, load.Accepted.Count + load.Uncertain.Count);
        var individual = sink.IndividualIds;
        Assert.DoesNotContain(load.Accepted.Keys, id => !individual.Contains(id) && !sink.MaybeHeld(id));
        // No duplicates but resends under the same webhook-id: one id per alert, one summary per group window.
        Assert.Empty(sink.AlertsWithSeveralIds());
        Assert.Empty(sink.WindowsWithSeveralSummaries());
    }

    private static Dictionary<string, string> Settings(string database, string url) => new()
    {
        ["FalcoHook:Storage:ConnectionString"] = $"Data Source={database}",
        ["FalcoHook:Destinations:sink:Type"] = "webhook",
        ["FalcoHook:Destinations:sink:Url"] = url,
        ["FalcoHook:Destinations:sink:MaxConcurrency"] = "8",
        ["FalcoHook:Delivery:InitialBackoff"] = "00:00:00.050",
        ["FalcoHook:Delivery:MaxBackoff"] = "00:00:00.250",
        ["FalcoHook:Delivery:PollInterval"] = "00:00:00.200",
        ["FalcoHook:Delivery:MaxAttempts"] = "1000",
        ["FalcoHook:Ingest:PollInterval"] = "00:00:00.200",
        ["FalcoHook:Ingest:FailureBackoff"] = "00:00:00.050",
        ["FalcoHook:Pipeline:Dedup:Enabled"] = "true",
        ["FalcoHook:Pipeline:Aggregate:Enabled"] = "true",
        ["FalcoHook:Pipeline:Aggregate:Threshold"] = Threshold.ToString(CultureInfo.InvariantCulture),
        ["FalcoHook:Pipeline:Aggregate:Window"] = Window.ToString("c", CultureInfo.InvariantCulture),
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:FalcoHook.SecurityEvents"] = "None",
    };

    /// <summary>Alerts held back (past the threshold) in the open storm windows stored in the file.</summary>
    private static long Held(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COALESCE(SUM(held), 0) FROM pipeline_groups;";
        try
        {
            return (long)command.ExecuteScalar()!;
        }
        catch (SqliteException)
        {
            return 0; // not migrated yet
        }
    }

    private static string StormAlert(int id) =>
        $$$"""{"rule":"Storm {{{id % Groups}}}","priority":"Warning","time":"{{{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffffff}}}Z","source":"syscall","hostname":"node-1","output":"storm alert a{{{id}}}","output_fields":{"test.id":"a{{{id}}}"}}""";

    /// <summary>
    /// The receiving end: an alert sent one by one is recorded by its test.id, a summary (tagged <c>aggregated</c>) by
    /// its rule and window end, each with the webhook-ids it came under. Holds about one in five for 150 ms.
    /// </summary>
    private sealed partial class Sink
    {
        private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _individual = new();
        private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, long>> _summaries = new();

        public int Individual => _individual.Count;
        public IReadOnlySet<string> IndividualIds => _individual.Keys.ToHashSet();
        public int Summaries => _summaries.Values.Sum(ids => ids.Count);

        /// <summary>Alerts a summary counts beyond the threshold sent one by one (one summary per window counted).</summary>
        public long HeldInSummaries => _summaries.Values.Sum(ids => ids.Values.First() - Threshold);

        public long Accounted => Individual + HeldInSummaries;

        /// <summary>An alert not sent one by one can only be in a summary of its rule.</summary>
        public bool MaybeHeld(string id) => _summaries.Keys.Any(k => k.StartsWith($"Storm {int.Parse(id[1..], CultureInfo.InvariantCulture) % Groups}@", StringComparison.Ordinal));

        public IReadOnlyList<string> AlertsWithSeveralIds() =>
            _individual.Where(a => a.Value.Count > 1).Select(a => $"{a.Key}: {string.Join(", ", a.Value.Keys)}").ToList();

        public IReadOnlyList<string> WindowsWithSeveralSummaries() =>
            _summaries.Where(s => s.Value.Count > 1).Select(s => $"{s.Key}: {string.Join(", ", s.Value.Keys)}").ToList();

        public FakeResponse Answer(RecordedRequest request)
        {
            var id = request.Header("webhook-id") ?? "";
            var alert = request.Json;
            var tags = alert.TryGetProperty("tags", out var t) ? t.EnumerateArray().Select(x => x.GetString()).ToList() : [];
            if (tags.Contains("aggregated"))
            {
                var count = long.Parse(SummaryCount().Match(alert.GetProperty("output").GetString()!).Groups[1].Value, CultureInfo.InvariantCulture);
                var window = $"{alert.GetProperty("rule").GetString()}@{alert.GetProperty("time").GetString()}";
                _summaries.GetOrAdd(window, _ => new())[id] = count;
            }
            else
            {
                _individual.GetOrAdd(alert.GetProperty("output_fields").GetProperty("test.id").GetString()!, _ => new())[id] = 0;
            }
            var bucket = Convert.ToInt32(id[^1..], 16) % 5;
            return new FakeResponse(200) { Delay = bucket == 1 ? TimeSpan.FromMilliseconds(150) : TimeSpan.Zero };
        }

        [GeneratedRegex(@"^(\d+) alerts of ")]
        private static partial Regex SummaryCount();
    }
}
