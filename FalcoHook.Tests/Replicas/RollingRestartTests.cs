using FalcoHook.Tests.Durability;
using FalcoHook.Tests.Support;
using Xunit.Abstractions;

namespace FalcoHook.Tests.Replicas;

/// <summary>
/// A rolling restart of three replicas under steady load, the way k8s/ha/ rolls them (maxSurge 1, maxUnavailable 0):
/// a new replica starts and is ready, the old one leaves the rotation, its requests in flight finish, it gets SIGTERM.
/// No alert is lost and no request gets a 5xx other than 503 with Retry-After.
/// </summary>
[Collection(CrashCollection.Name)]
public sealed class RollingRestartTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(60);

    [SkippableFact]
    public async Task Replacing_every_replica_one_by_one_loses_no_alert_and_fails_no_request()
    {
        PostgresServer.Require();
        await using var run = await ReplicaRun.StartAsync("rolling", pause: TimeSpan.FromMilliseconds(50), senders: 3);
        var (replicas, load, sink) = (run.Replicas, run.Load, run.Sink);
        try
        {
            for (var old = 0; old < 3; old++)
            {
                var before = load.Accepted.Count;
                await Eventually.TrueAsync(() => load.Accepted.Count >= before + 100, "100 alerts accepted", StepTimeout);
                var surge = await replicas.StartAsync(replicas.Count);
                load.Add(surge.BaseUrl);
                var leaving = replicas[old].BaseUrl;
                load.Remove(leaving);
                await Eventually.TrueAsync(() => load.InFlight(leaving) == 0, $"requests to replica {old} answered", StepTimeout);
                await replicas.StopAsync(old);
                output.WriteLine($"replica {old} replaced by replica {replicas.Count - 1} at {load.Accepted.Count} accepted");
            }
            var last = load.Accepted.Count;
            await Eventually.TrueAsync(() => load.Accepted.Count >= last + 100, "100 alerts accepted after the rollout", StepTimeout);
        }
        finally
        {
            await run.StopLoadAsync();
        }
        await run.AllAcceptedDeliveredAsync(StepTimeout);

        output.WriteLine($"{load.Accepted.Count} alerts accepted, {load.Refused} requests refused (503 + Retry-After), " +
                         $"{load.Uncertain.Count} without an answer; {sink.DeliveredAlerts} delivered, {sink.Repeats} more than once (same webhook-id)");
        Assert.Empty(load.Unexpected);
        Assert.Empty(load.Uncertain);
        Assert.Empty(sink.AlertsWithSeveralIds());
        Assert.Equal(0, sink.BadSignatures);
    }
}
