using FalcoHook.Core.Rules.Management;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Storage;

/// <summary>What every <see cref="IManagedRulesStore"/> does, on every provider.</summary>
public abstract class RulesStoreContract : StoreContract
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.FromUnixTimeMilliseconds(1_780_000_000_000);

    private static RuleChange Change(string action, string kind, string name, int minute, string? before = null, string? after = null) =>
        new(0, T0.AddMinutes(minute), "ops", action, kind, name, before, after, 0);

    [SkippableFact]
    public async Task Each_save_stores_the_next_version_and_its_history_entry()
    {
        var storage = await StorageAsync();
        Assert.Null(await storage.Rules.LoadAsync(CancellationToken.None));

        var first = await storage.Rules.SaveAsync(0, "- rule: a\n", Change("create", "rule", "a", 1, after: "- rule: a"), CancellationToken.None);
        var second = await storage.Rules.SaveAsync(1, "- rule: a\n- list: l\n", Change("create", "list", "l", 2, after: "- list: l"), CancellationToken.None);
        var third = await storage.Rules.SaveAsync(2, "- list: l\n", Change("delete", "rule", "a", 3, before: "- rule: a"), CancellationToken.None);

        Assert.Equal((1L, 2L, 3L), (first.Version, second.Version, third.Version));
        Assert.True(first.Id > 0 && second.Id > first.Id && third.Id > second.Id);
        Assert.Equal(new StoredManagedRules(3, "- list: l\n"), await (await ReopenAsync(storage)).Rules.LoadAsync(CancellationToken.None));

        var history = await storage.Rules.HistoryAsync(null, null, 10, CancellationToken.None);
        Assert.Equal([third, second, first], history);
        Assert.Equal([third, first], await storage.Rules.HistoryAsync("rule", "a", 10, CancellationToken.None));
        Assert.Equal([second], await storage.Rules.HistoryAsync("list", null, 10, CancellationToken.None));
        Assert.Equal([third], await storage.Rules.HistoryAsync(null, null, 1, CancellationToken.None));
    }

    [SkippableFact]
    public async Task A_save_from_a_stale_version_is_refused_and_changes_nothing()
    {
        var storage = await StorageAsync();
        await storage.Rules.SaveAsync(0, "v1", Change("create", "rule", "a", 1), CancellationToken.None);

        var conflict = await Assert.ThrowsAsync<ManagedRulesConflictException>(() =>
            storage.Rules.SaveAsync(0, "stale", Change("create", "rule", "b", 2), CancellationToken.None));

        Assert.Equal((0L, 1L), (conflict.Expected, conflict.Actual));
        Assert.Equal(new StoredManagedRules(1, "v1"), await storage.Rules.LoadAsync(CancellationToken.None));
        Assert.Single(await storage.Rules.HistoryAsync(null, null, 10, CancellationToken.None));
    }

    [SkippableFact]
    public async Task Of_writers_saving_from_one_version_at_once_exactly_one_wins()
    {
        var storage = await StorageAsync();
        Assert.Null(await storage.Rules.LoadAsync(CancellationToken.None)); // the schema in place before the race
        var writers = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            var rules = (await ReopenAsync(storage)).Rules; // as separate replicas would
            try
            {
                await rules.SaveAsync(0, $"writer {i}", Change("create", "rule", $"r{i}", i), CancellationToken.None);
                return true;
            }
            catch (ManagedRulesConflictException)
            {
                return false;
            }
        }));

        Assert.Single(writers, won => won);
        Assert.Equal(1, (await storage.Rules.LoadAsync(CancellationToken.None))!.Version);
        Assert.Single(await storage.Rules.HistoryAsync(null, null, 10, CancellationToken.None));
    }
}

public sealed class SqliteRulesStoreTests : RulesStoreContract
{
    protected override Task<StorageUnderTest> CreateStorageAsync() => Task.FromResult(SqliteStorageUnderTest.Create());
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresRulesStoreTests(PostgresFixture fixture) : RulesStoreContract
{
    protected override Task<StorageUnderTest> CreateStorageAsync() => PostgresStorageUnderTest.CreateAsync(fixture);
}
