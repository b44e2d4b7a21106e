using FalcoHook.Core.Pipeline.State;
using FalcoHook.Core.Storage;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Storage;

/// <summary>What every <see cref="IPipelineStateStore"/> does, on every provider.</summary>
public abstract class PipelineStateStoreContract : StoreContract
{
    private static readonly DateTimeOffset Window = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(1_234_567);

    private static AggregateGroupState Group(string key, long count, string? samples, bool opens) => new()
    {
        Key = key,
        WindowStart = Window,
        Count = count,
        Held = count - 1,
        FirstSeenNanos = 1685022245478445995L,
        LastSeenNanos = 1685022245478445995L + count,
        Priority = 2,
        Samples = samples,
        KeyValues = opens ? """{"k8s.ns.name":"default"}""" : null,
        First = opens ? """{"first":true}""" : null,
    };

    private static string Describe(AggregateGroupState g) =>
        $"{g.Key} {g.WindowStart.UtcTicks} {g.Count} {g.Held} {g.FirstSeenNanos} {g.LastSeenNanos} {g.Priority} {g.Samples} {g.KeyValues} {g.First}";

    [SkippableFact]
    public async Task Saved_dedup_entries_and_windows_load_back_exactly_and_deletes_forget_them()
    {
        var storage = await StorageAsync();
        Assert.Equal((0, 0, 0), Counts(await storage.PipelineState.LoadAsync(CancellationToken.None)));

        var first = new PipelineStateChanges();
        first.DedupUpserts.Add(new DedupEntryState("fp-1", Window, 0));
        first.DedupUpserts.Add(new DedupEntryState("fp-2", Window.AddSeconds(1), 3));
        first.GroupUpserts.Add(Group("g1", 1, """{"proc.name":["sh"]}""", opens: true));
        first.GroupUpserts.Add(Group("g2", 1, "{}", opens: true));
        await storage.PipelineState.SaveAsync(first, CancellationToken.None);

        var second = new PipelineStateChanges();
        second.DedupUpserts.Add(new DedupEntryState("fp-1", Window, 4));
        second.DedupDeletes.Add("fp-2");
        second.GroupUpserts.Add(Group("g1", 7, null, opens: false)); // counters only: samples, key and first alert stay
        second.GroupDeletes.Add("g2");
        await storage.PipelineState.SaveAsync(second, CancellationToken.None);

        var loaded = await (await ReopenAsync(storage)).PipelineState.LoadAsync(CancellationToken.None);
        Assert.Equal([new DedupEntryState("fp-1", Window, 4)], loaded.Dedup);
        var expected = Group("g1", 7, """{"proc.name":["sh"]}""", opens: true);
        Assert.Equal([Describe(expected)], loaded.Groups.Select(Describe));
        Assert.Equal(Window, loaded.Dedup[0].First);
    }

    [SkippableFact]
    public async Task Inhibiting_sources_load_back_and_deletes_forget_them()
    {
        var storage = await StorageAsync();
        var first = new PipelineStateChanges();
        first.InhibitUpserts.Add(new InhibitSourceState("rule-0|node-1", "escape-fp", Window));
        first.InhibitUpserts.Add(new InhibitSourceState("rule-0|node-2", "other-fp", Window));
        await storage.PipelineState.SaveAsync(first, CancellationToken.None);
        var second = new PipelineStateChanges();
        second.InhibitUpserts.Add(new InhibitSourceState("rule-0|node-1", "later-fp", Window.AddMinutes(1)));
        second.InhibitDeletes.Add("rule-0|node-2");
        await storage.PipelineState.SaveAsync(second, CancellationToken.None);

        var loaded = await (await ReopenAsync(storage)).PipelineState.LoadAsync(CancellationToken.None);

        Assert.Equal([new InhibitSourceState("rule-0|node-1", "later-fp", Window.AddMinutes(1))], loaded.InhibitSources);
    }

    [SkippableFact]
    public async Task A_window_opened_again_replaces_the_old_one_and_the_last_change_of_a_key_in_a_batch_wins()
    {
        var storage = await StorageAsync();
        var open = new PipelineStateChanges();
        open.GroupUpserts.Add(Group("g", 30, """{"a":["1"]}""", opens: true));
        await storage.PipelineState.SaveAsync(open, CancellationToken.None);

        var reopen = new PipelineStateChanges();
        reopen.GroupUpserts.Add(Group("g", 1, """{"b":["2"]}""", opens: true) with { WindowStart = Window.AddMinutes(1) });
        reopen.DedupUpserts.Add(new DedupEntryState("fp", Window, 1));
        reopen.DedupUpserts.Add(new DedupEntryState("fp", Window, 2));
        await storage.PipelineState.SaveAsync(reopen, CancellationToken.None);

        var loaded = await storage.PipelineState.LoadAsync(CancellationToken.None);
        var group = Assert.Single(loaded.Groups);
        Assert.Equal((Window.AddMinutes(1), 1L, """{"b":["2"]}"""), (group.WindowStart, group.Count, group.Samples));
        Assert.Equal([new DedupEntryState("fp", Window, 2)], loaded.Dedup);
    }

    [SkippableFact]
    public async Task Applied_inbox_rows_are_remembered_until_their_rows_leave_the_inbox_and_then_reported_forgotten()
    {
        var storage = await StorageAsync();
        var rows = await storage.Inbox.AppendAsync([new InboxAppend([TestAlerts.Shell(1), TestAlerts.Shell(2)])], Window, CancellationToken.None);
        var applied = new PipelineStateChanges();
        applied.AppliedInboxIds.AddRange(rows.Select(r => r.Id));
        applied.AppliedInboxIds.Add(rows[0].Id); // a repeat changes nothing
        Assert.Empty(await storage.PipelineState.SaveAsync(applied, CancellationToken.None));
        Assert.Equal(rows.Select(r => r.Id).Order(), (await storage.PipelineState.LoadAsync(CancellationToken.None)).AppliedInboxIds.Order());

        await storage.Inbox.DeleteAsync([rows[0].Id], CancellationToken.None);
        var forgotten = await storage.PipelineState.SaveAsync(new PipelineStateChanges(), CancellationToken.None);

        Assert.Equal([rows[0].Id], forgotten);
        Assert.Equal([rows[1].Id], (await storage.PipelineState.LoadAsync(CancellationToken.None)).AppliedInboxIds);
    }

    private static (int, int, int) Counts(PipelineState state) => (state.Dedup.Count, state.Groups.Count, state.AppliedInboxIds.Count);
}

public sealed class SqlitePipelineStateStoreTests : PipelineStateStoreContract
{
    protected override Task<StorageUnderTest> CreateStorageAsync() => Task.FromResult(SqliteStorageUnderTest.Create());
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresPipelineStateStoreTests(PostgresFixture fixture) : PipelineStateStoreContract
{
    protected override Task<StorageUnderTest> CreateStorageAsync() => PostgresStorageUnderTest.CreateAsync(fixture);
}
