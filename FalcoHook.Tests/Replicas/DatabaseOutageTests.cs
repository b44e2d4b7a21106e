using System.Diagnostics;
using System.Net;
using FalcoHook.Tests.Durability;
using FalcoHook.Tests.Support;
using Xunit.Abstractions;

namespace FalcoHook.Tests.Replicas;

/// <summary>
/// PostgreSQL stopped for 10 seconds under load, three replicas on it: no request sent while it is down gets a 2xx
/// (they get 503 with Retry-After), every replica's /readyz fails, every alert acknowledged before is delivered
/// afterwards, and the same processes are ready again once the database is back, without a restart.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class DatabaseOutageTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task While_the_database_is_down_nothing_is_acknowledged_and_afterwards_everything_acknowledged_is_delivered()
    {
        PostgresServer.Require();
        await using var run = await ReplicaRun.StartAsync("outage", pause: TimeSpan.FromMilliseconds(20), senders: 4);
        var (server, replicas, load, sink, http) = (run.Server, run.Replicas, run.Load, run.Sink, run.Http);
        var processes = Enumerable.Range(0, 3).Select(slot => replicas[slot].Id).ToList();
        long down, up;
        int acceptedBefore, refusedBefore;
        try
        {
            await Eventually.TrueAsync(() => load.Accepted.Count >= 300 && sink.DeliveredAlerts >= 100, "300 alerts accepted, 100 delivered", StepTimeout);
            await server.StopAsync();
            down = Stopwatch.GetTimestamp();
            (acceptedBefore, refusedBefore) = (load.Accepted.Count, load.Refused);
            foreach (var slot in Enumerable.Range(0, 3))
                await Eventually.TrueAsync(async () => (await http.GetAsync(new Uri(replicas[slot].BaseUrl, "/readyz"))).StatusCode != HttpStatusCode.OK,
                    $"replica {slot} not ready while the database is down", Outage);
            var remaining = Outage - Stopwatch.GetElapsedTime(down);
            if (remaining > TimeSpan.Zero) await Task.Delay(remaining); // the outage itself, under load
            up = Stopwatch.GetTimestamp();
            await server.StartAsync();

            for (var slot = 0; slot < 3; slot++) await replicas[slot].WaitUntilReadyAsync(http, StepTimeout);
            var acceptedAfterOutage = load.Accepted.Count;
            await Eventually.TrueAsync(() => load.Accepted.Count >= acceptedAfterOutage + 200, "200 more alerts accepted after the outage", StepTimeout);
        }
        finally
        {
            await run.StopLoadAsync();
        }
        await run.AllAcceptedDeliveredAsync(StepTimeout);

        var duringOutage = load.Successes.Count(s => s.Sent > down && s.Answered < up);
        output.WriteLine($"{acceptedBefore} alerts accepted before the outage; {load.Refused - refusedBefore} requests refused (503 + Retry-After) " +
                         $"during and after it; {load.Accepted.Count} accepted in all, {load.Uncertain.Count} without an answer; " +
                         $"{sink.DeliveredAlerts} delivered");
        Assert.Equal(0, duringOutage);
        Assert.True(load.Refused > refusedBefore, "no request was refused while the database was down");
        Assert.Empty(load.Unexpected);
        Assert.Empty(sink.AlertsWithSeveralIds());
        Assert.Equal(processes, Enumerable.Range(0, 3).Select(slot => replicas[slot].Id)); // the same processes, not restarted
        Assert.All(Enumerable.Range(0, 3), slot => Assert.False(replicas[slot].HasExited));
    }
}
