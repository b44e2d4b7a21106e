using FalcoHook.Core.Storage;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Storage;

/// <summary>What every <see cref="IInboxStore"/> does, on every provider.</summary>
public abstract class InboxStoreContract : StoreContract
{
    private static readonly DateTimeOffset Now = new DateTimeOffset(2026, 5, 1, 12, 0, 0, 123, TimeSpan.Zero).AddTicks(4567);

    [SkippableFact]
    public async Task A_group_commit_gives_ids_ascending_in_the_order_given_and_reads_back_the_same_rows()
    {
        var storage = await StorageAsync();
        var committed = await storage.Inbox.AppendAsync(
            [new InboxAppend([TestAlerts.Shell(1), TestAlerts.Shell(2)], "00-aaaa-01"), new InboxAppend([TestAlerts.Shell(3)])], Now, CancellationToken.None);

        Assert.Equal(3, committed.Count);
        Assert.True(committed[0].Id < committed[1].Id && committed[1].Id < committed[2].Id);
        Assert.Equal(["00-aaaa-01", "00-aaaa-01", null], committed.Select(e => e.TraceParent));
        Assert.All(committed, e => Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(Now.ToUnixTimeMilliseconds()), e.Received));
        Assert.Equal([1685022245478445996L, 1685022245478445997L, 1685022245478445998L], committed.Select(e => e.Alert!.Time.UnixNanoseconds));

        var read = await storage.Inbox.ReadAsync(10, CancellationToken.None);
        Assert.Equal(committed.Select(e => (e.Id, e.Received, e.TraceParent, e.Json)), read.Select(e => (e.Id, e.Received, e.TraceParent, e.Json)));
        Assert.Equal(committed.Select(e => e.Alert!.Output), read.Select(e => e.Alert!.Output));
        Assert.Equal(3, await storage.Inbox.CountAsync(CancellationToken.None));
    }

    [SkippableFact]
    public async Task Reads_are_oldest_first_and_bounded_and_deletes_forget_only_the_ids_given()
    {
        var storage = await StorageAsync();
        Assert.Null(await storage.Inbox.OldestReceivedAsync(CancellationToken.None));
        var first = await storage.Inbox.AppendAsync([new InboxAppend([TestAlerts.Shell(1), TestAlerts.Shell(2)])], Now, CancellationToken.None);
        var second = await storage.Inbox.AppendAsync([new InboxAppend([TestAlerts.Shell(3)])], Now.AddSeconds(5), CancellationToken.None);

        Assert.Equal(first.Select(e => e.Id), (await storage.Inbox.ReadAsync(2, CancellationToken.None)).Select(e => e.Id));
        Assert.Equal([first[1].Id, second[0].Id], (await storage.Inbox.ReadAfterAsync(first[0].Id, 10, CancellationToken.None)).Select(e => e.Id));
        Assert.Equal([first[1].Id], (await storage.Inbox.ReadAfterAsync(first[0].Id, 1, CancellationToken.None)).Select(e => e.Id));
        Assert.Empty(await storage.Inbox.ReadAfterAsync(second[0].Id, 10, CancellationToken.None));
        Assert.Equal(first[0].Received, await storage.Inbox.OldestReceivedAsync(CancellationToken.None));

        await storage.Inbox.DeleteAsync([first[0].Id, first[1].Id], CancellationToken.None);
        await storage.Inbox.DeleteAsync([], CancellationToken.None);

        Assert.Equal(second.Select(e => e.Id), (await storage.Inbox.ReadAsync(10, CancellationToken.None)).Select(e => e.Id));
        Assert.Equal(second[0].Received, await storage.Inbox.OldestReceivedAsync(CancellationToken.None));
        Assert.Equal(1, await storage.Inbox.CountAsync(CancellationToken.None));
    }

    [SkippableFact]
    public async Task Rows_survive_a_reopen_and_ids_are_never_handed_out_twice()
    {
        var storage = await StorageAsync();
        var before = await storage.Inbox.AppendAsync([new InboxAppend([TestAlerts.Shell(1), TestAlerts.Shell(2)])], Now, CancellationToken.None);
        await storage.Inbox.DeleteAsync([before[1].Id], CancellationToken.None);

        var reopened = await ReopenAsync(storage);
        Assert.Equal([before[0].Id], (await reopened.Inbox.ReadAsync(10, CancellationToken.None)).Select(e => e.Id));
        var after = await reopened.Inbox.AppendAsync([new InboxAppend([TestAlerts.Shell(3)])], Now, CancellationToken.None);

        // Delivery ids derive from the inbox row id: a deleted row's id must not come back.
        Assert.True(after[0].Id > before[1].Id);
    }

    [SkippableFact]
    public async Task A_row_moved_to_the_dead_inbox_keeps_its_content_and_error_and_requeues_under_its_own_id()
    {
        var storage = await StorageAsync();
        var rows = await storage.Inbox.AppendAsync([new InboxAppend([TestAlerts.Shell(1), TestAlerts.Shell(2)], "00-bbbb-01")], Now, CancellationToken.None);
        var deadAt = Now.AddMinutes(1);

        Assert.True(await storage.Inbox.MoveToDeadAsync(rows[0].Id, "boom: the pipeline threw", 5, deadAt, CancellationToken.None));
        Assert.False(await storage.Inbox.MoveToDeadAsync(rows[0].Id, "again", 6, deadAt, CancellationToken.None));
        Assert.False(await storage.Inbox.MoveToDeadAsync(999_999, "no such row", 1, deadAt, CancellationToken.None));

        Assert.Equal([rows[1].Id], (await storage.Inbox.ReadAsync(10, CancellationToken.None)).Select(e => e.Id));
        var dead = Assert.Single(await storage.Inbox.ListDeadAsync(10, CancellationToken.None));
        Assert.Equal((rows[0].Id, rows[0].Received, rows[0].Json, "00-bbbb-01", "boom: the pipeline threw", 5),
            (dead.Id, dead.Received, dead.Json, dead.TraceParent, dead.Error, dead.Attempts));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(deadAt.ToUnixTimeMilliseconds()), dead.DeadAt);

        Assert.True(await storage.Inbox.RequeueDeadAsync(rows[0].Id, CancellationToken.None));
        Assert.False(await storage.Inbox.RequeueDeadAsync(rows[0].Id, CancellationToken.None));

        Assert.Empty(await storage.Inbox.ListDeadAsync(10, CancellationToken.None));
        var back = await storage.Inbox.ReadAsync(10, CancellationToken.None);
        Assert.Equal([rows[0].Id, rows[1].Id], back.Select(e => e.Id));
        Assert.Equal((rows[0].Json, "00-bbbb-01", rows[0].Received), (back[0].Json, back[0].TraceParent, back[0].Received));
    }

    [SkippableFact]
    public async Task The_dead_inbox_lists_oldest_first_and_bounded()
    {
        var storage = await StorageAsync();
        var rows = await storage.Inbox.AppendAsync([new InboxAppend([TestAlerts.Shell(1), TestAlerts.Shell(2), TestAlerts.Shell(3)])], Now, CancellationToken.None);
        foreach (var row in rows.Reverse()) await storage.Inbox.MoveToDeadAsync(row.Id, "x", 1, Now, CancellationToken.None);

        Assert.Equal(rows.Take(2).Select(r => r.Id), (await storage.Inbox.ListDeadAsync(2, CancellationToken.None)).Select(d => d.Id));
        Assert.Equal(0, await storage.Inbox.CountAsync(CancellationToken.None));
    }

    [SkippableFact]
    public async Task Concurrent_group_commits_all_land_with_distinct_ids()
    {
        var storage = await StorageAsync();
        var appends = Enumerable.Range(0, 8).Select(i =>
            storage.Inbox.AppendAsync([new InboxAppend(Enumerable.Range(0, 25).Select(n => TestAlerts.Shell(i * 100 + n)).ToList())], Now, CancellationToken.None));
        var committed = (await Task.WhenAll(appends)).SelectMany(c => c).ToList();

        Assert.Equal(200, committed.Select(e => e.Id).Distinct().Count());
        Assert.Equal(200, await storage.Inbox.CountAsync(CancellationToken.None));
        var read = await storage.Inbox.ReadAsync(500, CancellationToken.None);
        Assert.Equal(committed.OrderBy(e => e.Id).Select(e => (e.Id, e.Json)), read.Select(e => (e.Id, e.Json)));
    }
}

public sealed class SqliteInboxStoreTests : InboxStoreContract
{
    protected override Task<StorageUnderTest> CreateStorageAsync() => Task.FromResult(SqliteStorageUnderTest.Create());
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresInboxStoreTests(PostgresFixture fixture) : InboxStoreContract
{
    protected override Task<StorageUnderTest> CreateStorageAsync() => PostgresStorageUnderTest.CreateAsync(fixture);
}
