using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using FalcoHook.Tests.Support;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace FalcoHook.Tests.Durability;

/// <summary>
/// <see cref="CrashTests"/> with dedup and aggregation ON: a low threshold and a short window, so every SIGKILL finds
/// storm windows holding alerts back. Their state is in the SQLite file, so after the restarts every accepted alert is
/// accounted for, by name: it reached the webhook one by one, or it is in a storm summary the webhook got. A
/// PagerDuty destination receives the same notifications, and its summaries list every <c>test.id</c> of their
/// window (<c>SampleValues</c> is set past any window's size), which names the alerts each summary counts. Nothing is
/// sent twice under two webhook-ids.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed partial class AggregationCrashTests(ITestOutputHelper output)
{
    private const int Kills = 3;
    private const int Senders = 4;
    private const int Threshold = 3;
    private const int Groups = 4;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task Alerts_held_in_storm_windows_are_accounted_for_through_SIGKILLs()
    {
        using var dir = new TempDirectory();
        var database = dir.File("falcohook.db");
        await using var receiver = await FakeReceiver.StartAsync();
        var sink = new Sink();
        receiver.Responder = sink.Answer;
        var settings = Settings(database, receiver);

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(20) };
        var load = new CrashLoad(http, StormAlert);
        var senders = load.Start(Senders);
        var heldAtKills = new List<long>();
        try
        {
            for (var run = 0; run <= Kills; run++)
            {
                await using var service = ServiceProcess.Start(dir.Path, settings);
                await service.WaitUntilReadyAsync(http);
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
                // Every window closes within Window after the last alert and its summary goes out; once the file holds
                // no inbox row, open window or undelivered notification, nothing more can be sent.
                await service.WaitUntilAsync(() => sink.Accounted >= load.Accepted.Count && Quiet(database), "every accepted alert accounted for and nothing left to send",
                    TimeSpan.FromSeconds(60), () => $"accounted {sink.Accounted} of {load.Accepted.Count} accepted");
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
        // Per alert: each accepted one reached the webhook itself or is named by a summary the webhook got.
        Assert.Equal(sink.WebhookWindows.Order(StringComparer.Ordinal), sink.PagerDutyWindows.Order(StringComparer.Ordinal));
        var missing = load.Accepted.Keys.Where(id => !sink.Arrived(id)).ToList();
        Assert.Empty(missing);
        // Per group: what a group's summaries count beyond their singles covers its accepted alerts that did not come singly.
        Assert.Empty(sink.GroupsShort(load.Accepted.Keys));
        // No duplicates but resends under the same webhook-id: one id per alert, one summary per group window.
        Assert.Empty(sink.AlertsWithSeveralIds());
        Assert.Empty(sink.WindowsWithSeveralSummaries());
    }

    private static Dictionary<string, string> Settings(string database, FakeReceiver receiver) => new()
    {
        ["FalcoHook:Storage:ConnectionString"] = $"Data Source={database}",
        ["FalcoHook:Destinations:sink:Type"] = "webhook",
        ["FalcoHook:Destinations:sink:Url"] = receiver.Url(Sink.WebhookPath),
        ["FalcoHook:Destinations:sink:MaxConcurrency"] = "8",
        ["FalcoHook:Destinations:pd:Type"] = "pagerduty",
        ["FalcoHook:Destinations:pd:Url"] = receiver.Url(Sink.PagerDutyPath),
        ["FalcoHook:Destinations:pd:RoutingKey"] = "crash-test-routing-key",
        ["FalcoHook:Destinations:pd:MaxConcurrency"] = "8",
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
        ["FalcoHook:Pipeline:Aggregate:SampleValues"] = "1000000",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:FalcoHook.SecurityEvents"] = "None",
    };

    /// <summary>Alerts held back (past the threshold) in the open storm windows stored in the file.</summary>
    private static long Held(string database) => Scalar(database, "SELECT COALESCE(SUM(held), 0) FROM pipeline_groups;");

    /// <summary>No inbox row, open storm window or undelivered notification left in the file.</summary>
    private static bool Quiet(string database) => Scalar(database,
        "SELECT (SELECT COUNT(*) FROM inbox) + (SELECT COUNT(*) FROM pipeline_groups) + (SELECT COUNT(*) FROM deliveries WHERE state <> 'delivered');") == 0;

    private static long Scalar(string database, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        try
        {
            return (long)command.ExecuteScalar()!;
        }
        catch (SqliteException)
        {
            return -1; // not migrated yet
        }
    }

    private static string StormAlert(int id) =>
        $$$"""{"rule":"Storm {{{id % Groups}}}","priority":"Warning","time":"{{{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffffff}}}Z","source":"syscall","hostname":"node-1","output":"storm alert a{{{id}}}","output_fields":{"test.id":"a{{{id}}}"}}""";

    private static string Group(string id) => $"Storm {int.Parse(id[1..], CultureInfo.InvariantCulture) % Groups}";

    /// <summary>
    /// The receiving end of both destinations. At the webhook an alert sent one by one is recorded by its test.id, a
    /// summary (tagged <c>aggregated</c>) by its rule and window end, each with the webhook-ids it came under; it holds
    /// about one in five for 150 ms. At PagerDuty a summary is recorded by the same window with the test.ids its
    /// samples list.
    /// </summary>
    private sealed partial class Sink
    {
        public const string WebhookPath = "/falco", PagerDutyPath = "/pd";
        private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _individual = new();
        private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, long>> _summaries = new();
        private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, byte>> _named = new();

        public int Individual => _individual.Count;
        public int Summaries => _summaries.Values.Sum(ids => ids.Count);

        /// <summary>Alerts a summary counts beyond the threshold sent one by one (one summary per window counted).</summary>
        public long HeldInSummaries => _summaries.Values.Sum(ids => ids.Values.First() - Threshold);

        public long Accounted => Individual + HeldInSummaries;

        public IEnumerable<string> WebhookWindows => _summaries.Keys;

        public IEnumerable<string> PagerDutyWindows => _named.Keys;

        /// <summary>The alert reached the webhook itself, or a summary the webhook got names it.</summary>
        public bool Arrived(string id) =>
            _individual.ContainsKey(id) || _named.Any(w => _summaries.ContainsKey(w.Key) && w.Value.ContainsKey(id));

        /// <summary>Groups whose accepted alerts not sent singly outnumber what their summaries hold beyond the singles.</summary>
        public IReadOnlyList<string> GroupsShort(IEnumerable<string> accepted) => accepted
            .Where(id => !_individual.ContainsKey(id))
            .GroupBy(Group)
            .Select(g => (Group: g.Key, Missing: g.Count(), Held: _summaries.Where(s => s.Key.StartsWith(g.Key + "@", StringComparison.Ordinal)).Sum(s => s.Value.Values.First() - Threshold)))
            .Where(g => g.Missing > g.Held)
            .Select(g => $"{g.Group}: {g.Missing} accepted alerts not sent singly, summaries hold {g.Held}")
            .ToList();

        public IReadOnlyList<string> AlertsWithSeveralIds() =>
            _individual.Where(a => a.Value.Count > 1).Select(a => $"{a.Key}: {string.Join(", ", a.Value.Keys)}").ToList();

        public IReadOnlyList<string> WindowsWithSeveralSummaries() =>
            _summaries.Where(s => s.Value.Count > 1).Select(s => $"{s.Key}: {string.Join(", ", s.Value.Keys)}").ToList();

        public FakeResponse Answer(RecordedRequest request) => request.Path == PagerDutyPath ? AnswerPagerDuty(request) : AnswerWebhook(request);

        private FakeResponse AnswerWebhook(RecordedRequest request)
        {
            var id = request.Header("webhook-id") ?? "";
            var alert = request.Json;
            var tags = alert.TryGetProperty("tags", out var t) ? t.EnumerateArray().Select(x => x.GetString()).ToList() : [];
            if (tags.Contains("aggregated"))
            {
                var count = long.Parse(SummaryCount().Match(alert.GetProperty("output").GetString()!).Groups[1].Value, CultureInfo.InvariantCulture);
                _summaries.GetOrAdd(Window(alert.GetProperty("rule").GetString()!, alert.GetProperty("time").GetString()!), _ => new())[id] = count;
            }
            else
            {
                _individual.GetOrAdd(alert.GetProperty("output_fields").GetProperty("test.id").GetString()!, _ => new())[id] = 0;
            }
            var bucket = Convert.ToInt32(id[^1..], 16) % 5;
            return new FakeResponse(200) { Delay = bucket == 1 ? TimeSpan.FromMilliseconds(150) : TimeSpan.Zero };
        }

        private FakeResponse AnswerPagerDuty(RecordedRequest request)
        {
            var payload = request.Json.GetProperty("payload");
            if (payload.GetProperty("custom_details").TryGetProperty("digest", out var digest))
            {
                var named = _named.GetOrAdd(Window(payload.GetProperty("class").GetString()!, payload.GetProperty("timestamp").GetString()!), _ => new());
                foreach (var sample in digest.GetProperty("samples").GetProperty("test.id").EnumerateArray()) named[sample.GetString()!] = 0;
            }
            return new FakeResponse(202);
        }

        private static string Window(string rule, string end) => $"{rule}@{end}";

        [GeneratedRegex(@"^(\d+) alerts of ")]
        private static partial Regex SummaryCount();
    }
}
