using FalcoHook.Core.Delivery;
using FalcoHook.Core.Storage;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Storage;

/// <summary>What every <see cref="IOutboxStore"/> does for one process, on every provider.</summary>
public abstract class OutboxStoreContract : StoreContract
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_000);

    private static NewDelivery Delivery(string id, string destination = "slack", string? trace = null) =>
        new(id, destination, $$"""{"n":"{{id}}"}""", trace);

    [SkippableFact]
    public async Task Added_deliveries_are_pending_and_due_now_and_an_id_stored_already_is_left_as_it_is()
    {
        var storage = await StorageAsync();
        await storage.Outbox.AddAsync([Delivery("d1", trace: "00-cccc-01"), Delivery("d2", "pd")], T0, CancellationToken.None);
        await storage.Outbox.AddAsync([new NewDelivery("d1", "other", "{\"changed\":true}"), Delivery("d3")], T0.AddSeconds(1), CancellationToken.None);
        await storage.Outbox.AddAsync([], T0, CancellationToken.None);

        var d1 = await storage.Outbox.GetAsync("d1", CancellationToken.None);
        Assert.NotNull(d1);
        Assert.Equal(("slack", """{"n":"d1"}""", DeliveryState.Pending, 0, T0, T0, T0, "00-cccc-01", (string?)null),
            (d1.Destination, d1.NotificationJson, d1.State, d1.Attempts, d1.NextAttemptAt, d1.Created, d1.Updated, d1.TraceParent, d1.LastError));
        Assert.Null(await storage.Outbox.GetAsync("nope", CancellationToken.None));
        Assert.Equal(new Dictionary<DeliveryState, long> { [DeliveryState.Pending] = 3 }, await storage.Outbox.CountByStateAsync(CancellationToken.None));
    }

    [SkippableFact]
    public async Task Deliveries_added_claimed_are_in_sending_as_a_claim_leaves_them_and_only_those_inserted_are_returned()
    {
        var storage = await StorageAsync();
        await storage.Outbox.AddAsync([Delivery("old")], T0, CancellationToken.None);

        var claimed = await storage.Outbox.AddClaimingAsync([Delivery("p1"), Delivery("p2", "pd")], [Delivery("c1", trace: "00-cccc-01"), Delivery("old"), Delivery("c2")],
            T0, CancellationToken.None);

        Assert.Equal(["c1", "c2"], claimed.Select(r => r.Id));
        var c1 = claimed[0];
        Assert.Equal(("slack", """{"n":"c1"}""", DeliveryState.Sending, 0, T0, T0, T0, "00-cccc-01"),
            (c1.Destination, c1.NotificationJson, c1.State, c1.Attempts, c1.NextAttemptAt, c1.Created, c1.Updated, c1.TraceParent));
        Assert.Equal(c1, await storage.Outbox.GetAsync("c1", CancellationToken.None));
        Assert.Equal(DeliveryState.Pending, (await storage.Outbox.GetAsync("old", CancellationToken.None))!.State); // stored already: left as it is
        Assert.Equal(new Dictionary<DeliveryState, long> { [DeliveryState.Pending] = 3, [DeliveryState.Sending] = 2 },
            await storage.Outbox.CountByStateAsync(CancellationToken.None));
        Assert.Equal(["old", "p1"], (await storage.Outbox.ClaimDueAsync("slack", T0, 10, CancellationToken.None)).Select(r => r.Id));

        await storage.Outbox.RecordOutcomesAsync([DeliveryOutcome.Delivered("c1", 1)], T0, CancellationToken.None);
        Assert.Equal(DeliveryState.Delivered, (await storage.Outbox.GetAsync("c1", CancellationToken.None))!.State);
        Assert.Empty(await storage.Outbox.AddClaimingAsync([], [Delivery("c1")], T0, CancellationToken.None));
    }

    [SkippableFact]
    public async Task A_claim_takes_due_rows_of_one_destination_oldest_due_first_up_to_max_and_never_twice()
    {
        var storage = await StorageAsync();
        await storage.Outbox.AddAsync([Delivery("b"), Delivery("a"), Delivery("c"), Delivery("p", "pd")], T0, CancellationToken.None);
        await Claim(storage.Outbox, "a", T0);
        await storage.Outbox.ScheduleRetryAsync("a", 1, T0.AddSeconds(30), "503", T0, CancellationToken.None);

        var claimed = await storage.Outbox.ClaimDueAsync("slack", T0.AddSeconds(1), 5, CancellationToken.None);
        Assert.Equal(["b", "c"], claimed.Select(r => r.Id));
        Assert.All(claimed, r => Assert.Equal(DeliveryState.Sending, r.State));
        Assert.Empty(await storage.Outbox.ClaimDueAsync("slack", T0.AddSeconds(1), 5, CancellationToken.None));
        Assert.Empty(await storage.Outbox.ClaimDueAsync("slack", T0, 0, CancellationToken.None));

        var later = await storage.Outbox.ClaimDueAsync("slack", T0.AddSeconds(30), 5, CancellationToken.None);
        Assert.Equal(["a"], later.Select(r => r.Id));
        Assert.Equal((1, "503"), (later[0].Attempts, later[0].LastError));
        Assert.Equal(["p"], (await storage.Outbox.ClaimDueAsync("pd", T0, 1, CancellationToken.None)).Select(r => r.Id));
    }

    [SkippableFact]
    public async Task Due_destinations_and_the_next_due_time_follow_the_pending_rows()
    {
        var storage = await StorageAsync();
        Assert.Null(await storage.Outbox.NextDueAsync(CancellationToken.None));
        Assert.Empty(await storage.Outbox.DueDestinationsAsync(T0, CancellationToken.None));
        await storage.Outbox.AddAsync([Delivery("s1"), Delivery("w1", "webhook")], T0, CancellationToken.None);
        await Claim(storage.Outbox, "w1", T0);
        await storage.Outbox.ScheduleRetryAsync("w1", 1, T0.AddMinutes(1), "timeout", T0, CancellationToken.None);

        Assert.Equal(["slack"], await storage.Outbox.DueDestinationsAsync(T0, CancellationToken.None));
        Assert.Equal(T0, await storage.Outbox.NextDueAsync(CancellationToken.None));
        Assert.Equal(["slack", "webhook"], (await storage.Outbox.DueDestinationsAsync(T0.AddMinutes(1), CancellationToken.None)).Order());

        await Claim(storage.Outbox, "s1", T0);
        await storage.Outbox.MarkDeliveredAsync("s1", 1, T0, CancellationToken.None);
        Assert.Empty(await storage.Outbox.DueDestinationsAsync(T0, CancellationToken.None));
    }

    [SkippableFact]
    public async Task The_outcome_of_a_send_is_recorded_with_attempts_and_error()
    {
        var storage = await StorageAsync();
        await storage.Outbox.AddAsync([Delivery("ok"), Delivery("retry"), Delivery("dead"), Delivery("back")], T0, CancellationToken.None);
        Assert.Equal(4, (await storage.Outbox.ClaimDueAsync("slack", T0, 10, CancellationToken.None)).Count);
        var t1 = T0.AddSeconds(2);

        await storage.Outbox.MarkDeliveredAsync("ok", 1, t1, CancellationToken.None);
        await storage.Outbox.ScheduleRetryAsync("retry", 2, t1.AddSeconds(10), "HTTP 503", t1, CancellationToken.None);
        await storage.Outbox.MarkDeadAsync("dead", 3, "HTTP 400: bad payload", t1, CancellationToken.None);
        await storage.Outbox.ReleaseAsync("back", t1, CancellationToken.None);

        var ok = (await storage.Outbox.GetAsync("ok", CancellationToken.None))!;
        Assert.Equal((DeliveryState.Delivered, 1, (string?)null, t1), (ok.State, ok.Attempts, ok.LastError, ok.Updated));
        var retry = (await storage.Outbox.GetAsync("retry", CancellationToken.None))!;
        Assert.Equal((DeliveryState.Pending, 2, "HTTP 503", t1.AddSeconds(10)), (retry.State, retry.Attempts, retry.LastError, retry.NextAttemptAt));
        var dead = (await storage.Outbox.GetAsync("dead", CancellationToken.None))!;
        Assert.Equal((DeliveryState.Dead, 3, "HTTP 400: bad payload"), (dead.State, dead.Attempts, dead.LastError));
        var back = (await storage.Outbox.GetAsync("back", CancellationToken.None))!;
        Assert.Equal((DeliveryState.Pending, 0, T0), (back.State, back.Attempts, back.NextAttemptAt)); // no attempt counted
        Assert.Equal(new Dictionary<DeliveryState, long> { [DeliveryState.Delivered] = 1, [DeliveryState.Pending] = 2, [DeliveryState.Dead] = 1 },
            await storage.Outbox.CountByStateAsync(CancellationToken.None));
    }

    [SkippableFact]
    public async Task Outcomes_recorded_together_land_as_the_single_marks_would_and_leave_other_rows_alone()
    {
        var storage = await StorageAsync();
        await storage.Outbox.AddAsync([Delivery("ok"), Delivery("retry"), Delivery("dead"), Delivery("ok2"), Delivery("left")], T0, CancellationToken.None);
        Assert.Equal(5, (await storage.Outbox.ClaimDueAsync("slack", T0, 10, CancellationToken.None)).Count);
        var t1 = T0.AddSeconds(2);

        await storage.Outbox.RecordOutcomesAsync(
            [DeliveryOutcome.Delivered("ok", 1), DeliveryOutcome.Retry("retry", 2, t1.AddSeconds(10), "HTTP 503"), DeliveryOutcome.Dead("dead", 3, "HTTP 400")],
            t1, CancellationToken.None);
        await storage.Outbox.MarkDeliveredAsync([("ok2", 4)], t1, CancellationToken.None);
        await storage.Outbox.RecordOutcomesAsync([], t1, CancellationToken.None);

        var rows = (await Task.WhenAll(new[] { "ok", "retry", "dead", "ok2", "left" }.Select(id => storage.Outbox.GetAsync(id, CancellationToken.None))))
            .ToDictionary(r => r!.Id, r => (r!.State, r.Attempts, r.LastError, r.NextAttemptAt, r.Updated));
        Assert.Equal((DeliveryState.Delivered, 1, (string?)null, T0, t1), rows["ok"]);
        Assert.Equal((DeliveryState.Pending, 2, (string?)"HTTP 503", t1.AddSeconds(10), t1), rows["retry"]);
        Assert.Equal((DeliveryState.Dead, 3, (string?)"HTTP 400", T0, t1), rows["dead"]);
        Assert.Equal((DeliveryState.Delivered, 4, (string?)null, T0, t1), rows["ok2"]);
        Assert.Equal((DeliveryState.Sending, 0, (string?)null, T0, T0), rows["left"]);
        Assert.Equal(["retry"], (await storage.Outbox.ClaimDueAsync("slack", t1.AddSeconds(10), 10, CancellationToken.None)).Select(r => r.Id));
    }

    [SkippableFact]
    public async Task After_a_restart_the_rows_a_crash_left_sending_are_pending_again_without_an_attempt_counted()
    {
        var storage = await StorageAsync();
        await storage.Outbox.AddAsync([Delivery("x"), Delivery("y"), Delivery("z")], T0, CancellationToken.None);
        await storage.Outbox.ClaimDueAsync("slack", T0, 2, CancellationToken.None);

        var restarted = await ReopenAsync(storage);
        Assert.Equal(2, await restarted.Outbox.ResetSendingAsync(T0.AddSeconds(1), CancellationToken.None));
        Assert.Equal(0, await restarted.Outbox.ResetSendingAsync(T0.AddSeconds(1), CancellationToken.None));

        var again = await restarted.Outbox.ClaimDueAsync("slack", T0.AddSeconds(1), 10, CancellationToken.None);
        Assert.Equal(["x", "y", "z"], again.Select(r => r.Id));
        Assert.All(again, r => Assert.Equal(0, r.Attempts));
    }

    [SkippableFact]
    public async Task Delivered_rows_are_purged_after_their_retention_and_other_states_stay()
    {
        var storage = await StorageAsync();
        await storage.Outbox.AddAsync([Delivery("old"), Delivery("new"), Delivery("dead"), Delivery("pending")], T0, CancellationToken.None);
        await storage.Outbox.ClaimDueAsync("slack", T0, 3, CancellationToken.None); // dead, new, old (ids in order)
        await storage.Outbox.MarkDeliveredAsync("old", 1, T0, CancellationToken.None);
        await storage.Outbox.MarkDeliveredAsync("new", 1, T0.AddHours(1), CancellationToken.None);
        await storage.Outbox.MarkDeadAsync("dead", 1, "400", T0, CancellationToken.None);

        Assert.Equal(1, await storage.Outbox.PurgeDeliveredAsync(T0.AddMinutes(30), CancellationToken.None));
        Assert.Null(await storage.Outbox.GetAsync("old", CancellationToken.None));
        Assert.NotNull(await storage.Outbox.GetAsync("new", CancellationToken.None));
        Assert.NotNull(await storage.Outbox.GetAsync("dead", CancellationToken.None));
        Assert.NotNull(await storage.Outbox.GetAsync("pending", CancellationToken.None));
    }

    [SkippableFact]
    public async Task Listing_filters_by_state_and_destination_newest_first_in_pages_with_the_total()
    {
        var storage = await StorageAsync();
        for (var i = 0; i < 5; i++) await storage.Outbox.AddAsync([Delivery($"s{i}"), Delivery($"w{i}", "webhook")], T0.AddSeconds(i), CancellationToken.None);
        await Claim(storage.Outbox, "w0", T0.AddSeconds(10));
        await storage.Outbox.MarkDeadAsync("w0", 1, "gone", T0.AddSeconds(10), CancellationToken.None);

        var all = await storage.Outbox.ListAsync(new DeliveryQuery(Limit: 3), CancellationToken.None);
        Assert.Equal(10, all.Total);
        Assert.Equal(["w4", "s4", "w3"], all.Items.Select(r => r.Id));
        var page = await storage.Outbox.ListAsync(new DeliveryQuery(Destination: "slack", Offset: 3, Limit: 10), CancellationToken.None);
        Assert.Equal((5L, "s1 s0"), (page.Total, string.Join(' ', page.Items.Select(r => r.Id))));
        var dead = await storage.Outbox.ListAsync(new DeliveryQuery(State: DeliveryState.Dead), CancellationToken.None);
        Assert.Equal((1L, "w0"), (dead.Total, Assert.Single(dead.Items).Id));
        var none = await storage.Outbox.ListAsync(new DeliveryQuery(State: DeliveryState.Dead, Destination: "slack"), CancellationToken.None);
        Assert.Equal(0, none.Total);
    }

    [SkippableFact]
    public async Task Retrying_dead_rows_makes_them_pending_due_now_with_a_fresh_count_by_id_destination_or_all()
    {
        var storage = await StorageAsync();
        await storage.Outbox.AddAsync([Delivery("s1"), Delivery("s2"), Delivery("w1", "webhook"), Delivery("p1")], T0, CancellationToken.None);
        foreach (var id in new[] { "s1", "s2", "w1" })
        {
            await Claim(storage.Outbox, id, T0);
            await storage.Outbox.MarkDeadAsync(id, 12, "HTTP 400", T0, CancellationToken.None);
        }
        var t1 = T0.AddHours(1);

        Assert.Equal(1, await storage.Outbox.RetryDeadAsync("s1", null, t1, CancellationToken.None));
        Assert.Equal(0, await storage.Outbox.RetryDeadAsync("p1", null, t1, CancellationToken.None)); // not dead
        Assert.Equal(1, await storage.Outbox.RetryDeadAsync(null, "webhook", t1, CancellationToken.None));
        var s1 = (await storage.Outbox.GetAsync("s1", CancellationToken.None))!;
        Assert.Equal((DeliveryState.Pending, 0, t1), (s1.State, s1.Attempts, s1.NextAttemptAt));
        Assert.Equal(1, await storage.Outbox.RetryDeadAsync(null, null, t1, CancellationToken.None));
        Assert.Equal(new Dictionary<DeliveryState, long> { [DeliveryState.Pending] = 4 }, await storage.Outbox.CountByStateAsync(CancellationToken.None));
    }

    private static async Task Claim(IOutboxStore outbox, string id, DateTimeOffset now)
    {
        var destination = (await outbox.GetAsync(id, CancellationToken.None))!.Destination;
        var claimed = await outbox.ClaimDueAsync(destination, now, 100, CancellationToken.None);
        Assert.Contains(claimed, r => r.Id == id);
        foreach (var other in claimed.Where(r => r.Id != id)) await outbox.ReleaseAsync(other.Id, now, CancellationToken.None);
    }
}

public sealed class SqliteOutboxStoreTests : OutboxStoreContract
{
    protected override Task<StorageUnderTest> CreateStorageAsync() => Task.FromResult(SqliteStorageUnderTest.Create());
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresOutboxStoreTests(PostgresFixture fixture) : OutboxStoreContract
{
    protected override Task<StorageUnderTest> CreateStorageAsync() => PostgresStorageUnderTest.CreateAsync(fixture);
}
