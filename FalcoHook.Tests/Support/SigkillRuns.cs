using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace FalcoHook.Tests.Support;

/// <summary>
/// How many runs a crash test makes and when it kills them: every run but the last is SIGKILLed once it has accepted
/// <see cref="AcceptedPerRun"/> items and the sink has <see cref="DeliveredPerRun"/> more; the last run takes
/// <see cref="AcceptedAfterLast"/> more, then the load stops and the run lasts until every accepted item is at the sink.
/// </summary>
public sealed record SigkillPlan(int Kills, int AcceptedPerRun, int DeliveredPerRun, int AcceptedAfterLast, string Items);

/// <summary>The kill-and-restart loop the crash tests share: the real service as a child process over one data folder.</summary>
public static class SigkillRuns
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(45);

    /// <summary>
    /// The settings every SIGKILL test's service shares: the SQLite file <paramref name="database"/>, fast retries (50–250 ms
    /// backoff, up to 1,000 attempts), 200 ms polls of inbox and outbox, no dedup or aggregation (each item reaches the sink
    /// as itself), warnings only and no security event log. A test adds its destination.
    /// </summary>
    public static Dictionary<string, string> ServiceSettings(string database) => new()
    {
        ["FalcoHook:Storage:ConnectionString"] = $"Data Source={database}",
        ["FalcoHook:Delivery:InitialBackoff"] = "00:00:00.050",
        ["FalcoHook:Delivery:MaxBackoff"] = "00:00:00.250",
        ["FalcoHook:Delivery:PollInterval"] = "00:00:00.200",
        ["FalcoHook:Delivery:MaxAttempts"] = "1000",
        ["FalcoHook:Ingest:PollInterval"] = "00:00:00.200",
        ["FalcoHook:Ingest:FailureBackoff"] = "00:00:00.050",
        ["FalcoHook:Pipeline:Dedup:Enabled"] = "false",
        ["FalcoHook:Pipeline:Aggregate:Enabled"] = "false",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:FalcoHook.SecurityEvents"] = "None",
    };

    /// <summary>
    /// Runs <paramref name="plan"/> while <paramref name="load"/> posts to whichever run is up, and stops the load.
    /// Returns what each kill left in the file (inbox rows plus deliveries not yet delivered), so a test can show the
    /// kills hit work in progress.
    /// </summary>
    public static async Task<List<long>> RunAsync(string directory, string database, IReadOnlyDictionary<string, string> settings,
        HttpClient http, CrashLoad load, int senders, ICrashSink sink, SigkillPlan plan, ITestOutputHelper output)
    {
        var running = load.Start(senders);
        var backlogAtKills = new List<long>();
        try
        {
            for (var run = 0; run <= plan.Kills; run++)
            {
                await using var service = ServiceProcess.Start(directory, settings);
                await service.WaitUntilReadyAsync(http);
                var (acceptedBefore, deliveredBefore) = (load.Accepted.Count, sink.DeliveredAlerts);
                load.Target = service.BaseUrl;
                if (run < plan.Kills)
                {
                    await service.WaitUntilAsync(
                        () => load.Accepted.Count >= acceptedBefore + plan.AcceptedPerRun && sink.DeliveredAlerts >= deliveredBefore + plan.DeliveredPerRun,
                        $"{plan.Items} accepted and delivered in this run", StepTimeout);
                    service.Kill();
                    load.Target = null;
                    var backlog = Backlog(database);
                    backlogAtKills.Add(backlog.Inbox + backlog.Undelivered);
                    output.WriteLine($"kill {run + 1}: {load.Accepted.Count} {plan.Items} accepted so far, {sink.DeliveredAlerts} alerts delivered; " +
                                     $"left in the file: {backlog.Inbox} inbox rows, {backlog.Undelivered} deliveries not yet delivered");
                    continue;
                }
                await service.WaitUntilAsync(() => load.Accepted.Count >= acceptedBefore + plan.AcceptedAfterLast,
                    $"{plan.Items} accepted after the last restart", StepTimeout);
                await load.StopAsync(running);
                await service.WaitUntilAsync(() => load.Accepted.Keys.All(sink.HasDelivered), $"every accepted item of {plan.Items} at the webhook", StepTimeout,
                    () => $"missing: {string.Join(", ", load.Accepted.Keys.Where(a => !sink.HasDelivered(a)).Take(20))}");
            }
        }
        finally
        {
            await load.StopAsync(running);
        }

        output.WriteLine($"{load.Accepted.Count} {plan.Items} accepted (2xx), {load.Refused} requests refused, {load.Uncertain.Count} cut by a kill; " +
                         $"{sink.DeliveredAlerts} alerts delivered in {sink.Requests} requests ({sink.Failed} answered 500 on purpose); " +
                         $"{sink.Repeats} alerts delivered more than once");
        return backlogAtKills;
    }

    /// <summary>What a kill left in the file: inbox rows, and deliveries pending or in flight.</summary>
    public static (long Inbox, long Undelivered) Backlog(string database)
    {
        using var connection = new SqliteConnection($"Data Source={database};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT (SELECT COUNT(*) FROM inbox), (SELECT COUNT(*) FROM deliveries WHERE state <> 'delivered');";
        using var reader = command.ExecuteReader();
        reader.Read();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}
