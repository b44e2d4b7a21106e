using FalcoHook.Core.Delivery;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Storage;

/// <summary>The outbox shared by replicas on PostgreSQL: claims never overlap, and a claim is held only under its lease.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresOutboxLeaseTests(PostgresFixture fixture) : StoreContract
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_000);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    protected override Task<StorageUnderTest> CreateStorageAsync() => PostgresStorageUnderTest.CreateAsync(fixture);

    private async Task<PostgresStorageUnderTest> SharedAsync(int deliveries)
    {
        var storage = (PostgresStorageUnderTest)await StorageAsync();
        await storage.Outbox.AddAsync(Enumerable.Range(0, deliveries).Select(i => new NewDelivery($"d{i:D3}", "slack", "{}")).ToList(), T0, CancellationToken.None);
        return storage;
    }

    [SkippableFact]
    public async Task Replicas_claiming_at_once_never_take_the_same_delivery()
    {
        var storage = await SharedAsync(300);
        var replicas = Enumerable.Range(0, 3).Select(i => storage.OutboxAs($"replica-{i}", Lease)).ToList();

        var claims = await Task.WhenAll(replicas.Select(async replica =>
        {
            var mine = new List<string>();
            while (true)
            {
                var batch = await replica.ClaimDueAsync("slack", T0, 7, CancellationToken.None);
                if (batch.Count == 0) return mine;
                mine.AddRange(batch.Select(r => r.Id));
            }
        }));

        var all = claims.SelectMany(c => c).ToList();
        Assert.Equal(300, all.Count);
        Assert.Equal(300, all.Distinct().Count());
    }

    [SkippableFact]
    public async Task A_dead_replicas_claims_are_due_again_when_the_lease_ends_and_its_late_outcome_is_ignored()
    {
        var storage = await SharedAsync(2);
        var a = storage.OutboxAs("replica-a", Lease);
        var b = storage.OutboxAs("replica-b", Lease);
        Assert.Equal(2, (await a.ClaimDueAsync("slack", T0, 10, CancellationToken.None)).Count);

        Assert.Empty(await b.ClaimDueAsync("slack", T0 + Lease - TimeSpan.FromMilliseconds(1), 10, CancellationToken.None));
        Assert.Empty(await b.DueDestinationsAsync(T0 + Lease - TimeSpan.FromMilliseconds(1), CancellationToken.None));
        Assert.Equal(T0 + Lease, await b.NextDueAsync(CancellationToken.None)); // a dispatcher wakes when the lease ends

        var after = T0 + Lease;
        Assert.Equal(["slack"], await b.DueDestinationsAsync(after, CancellationToken.None));
        var taken = await b.ClaimDueAsync("slack", after, 10, CancellationToken.None);
        Assert.Equal(["d000", "d001"], taken.Select(r => r.Id));
        Assert.All(taken, r => Assert.Equal(0, r.Attempts)); // a crash counts no attempt

        // A comes back to life and reports an outcome: the rows are B's now, so nothing changes.
        await a.MarkDeliveredAsync("d000", 1, after, CancellationToken.None);
        await a.ScheduleRetryAsync("d001", 1, after.AddHours(1), "late", after, CancellationToken.None);
        await a.ReleaseAsync("d001", after, CancellationToken.None);
        Assert.All(await Task.WhenAll(taken.Select(r => b.GetAsync(r.Id, CancellationToken.None))), r => Assert.Equal(DeliveryState.Sending, r!.State));

        await b.MarkDeliveredAsync("d000", 1, after, CancellationToken.None);
        Assert.Equal(DeliveryState.Delivered, (await b.GetAsync("d000", CancellationToken.None))!.State);
    }

    [SkippableFact]
    public async Task Outcomes_recorded_together_change_only_the_rows_this_replica_still_holds()
    {
        var storage = await SharedAsync(3);
        var a = storage.OutboxAs("replica-a", Lease);
        var b = storage.OutboxAs("replica-b", Lease);
        Assert.Equal(2, (await a.ClaimDueAsync("slack", T0, 2, CancellationToken.None)).Count); // d000, d001
        var after = T0 + Lease;
        Assert.Equal(["d000", "d001", "d002"], (await b.ClaimDueAsync("slack", after, 10, CancellationToken.None)).Select(r => r.Id));

        // A's late outcomes for rows B took over change nothing; B's own land, each with its own outcome.
        await a.RecordOutcomesAsync([DeliveryOutcome.Delivered("d000", 1), DeliveryOutcome.Dead("d001", 1, "late")], after, CancellationToken.None);
        Assert.All(await Task.WhenAll(new[] { "d000", "d001" }.Select(id => b.GetAsync(id, CancellationToken.None))), r => Assert.Equal(DeliveryState.Sending, r!.State));
        await b.RecordOutcomesAsync([DeliveryOutcome.Delivered("d000", 1), DeliveryOutcome.Retry("d001", 1, after.AddMinutes(5), "HTTP 503"), DeliveryOutcome.Dead("d002", 2, "HTTP 400")],
            after, CancellationToken.None);
        var rows = await Task.WhenAll(new[] { "d000", "d001", "d002" }.Select(id => b.GetAsync(id, CancellationToken.None)));
        Assert.Equal([DeliveryState.Delivered, DeliveryState.Pending, DeliveryState.Dead], rows.Select(r => r!.State));
        Assert.Equal((after.AddMinutes(5), "HTTP 503"), (rows[1]!.NextAttemptAt, rows[1]!.LastError));
        Assert.Empty(await a.ClaimDueAsync("slack", after.AddMinutes(1), 10, CancellationToken.None)); // the retry is not due yet, and nothing is left sending
    }

    [SkippableFact]
    public async Task A_replica_starting_up_takes_back_its_own_and_lapsed_claims_but_not_a_live_replicas()
    {
        var storage = await SharedAsync(3);
        var live = storage.OutboxAs("replica-live", Lease);
        var dead = storage.OutboxAs("replica-dead", TimeSpan.FromSeconds(10));
        var restarting = storage.OutboxAs("replica-restarting", Lease);
        await live.ClaimDueAsync("slack", T0, 1, CancellationToken.None);       // d000
        await dead.ClaimDueAsync("slack", T0, 1, CancellationToken.None);       // d001, lease ends at T0 + 10 s
        await restarting.ClaimDueAsync("slack", T0, 1, CancellationToken.None); // d002, its previous run's claim

        var restarted = storage.OutboxAs("replica-restarting", Lease);
        Assert.Equal(2, await restarted.ResetSendingAsync(T0.AddSeconds(20), CancellationToken.None));

        Assert.Equal(DeliveryState.Sending, (await live.GetAsync("d000", CancellationToken.None))!.State);
        Assert.Equal(DeliveryState.Pending, (await live.GetAsync("d001", CancellationToken.None))!.State);
        Assert.Equal(DeliveryState.Pending, (await live.GetAsync("d002", CancellationToken.None))!.State);
        await live.MarkDeliveredAsync("d000", 1, T0.AddSeconds(20), CancellationToken.None);
        Assert.Equal(DeliveryState.Delivered, (await live.GetAsync("d000", CancellationToken.None))!.State);
    }
}
