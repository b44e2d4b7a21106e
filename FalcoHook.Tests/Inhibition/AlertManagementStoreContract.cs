using FalcoHook.Core.Inhibition;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Postgres;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Core.TimeIntervals;
using FalcoHook.Tests.Storage;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Inhibition;

/// <summary>
/// What every durable store of inhibition rules and time intervals put through the API does, on every provider; and
/// that a second catalog over the same data (another replica) picks a change up when told to refresh.
/// </summary>
public abstract class AlertManagementStoreContract : StoreContract
{
    private static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(12_345);

    /// <summary>Both stores (one object) over <paramref name="storage"/>'s data.</summary>
    protected abstract (IInhibitRuleStore Rules, ITimeIntervalStore Intervals) Stores(StorageUnderTest storage);

    private static InhibitRuleOptions Rule(string host = "hostname") => new()
    {
        SourceMatchers = ["alertname=\"Container escape\""],
        TargetMatchers = ["alertname=\"Terminal shell in container\""],
        Equal = [host],
        Duration = TimeSpan.FromMinutes(10),
    };

    private static TimeIntervalOptions Window() => new()
    {
        Times = [new TimeRangeOptions { StartTime = "01:00", EndTime = "04:00" }],
        Weekdays = ["monday:friday"],
        Location = "Europe/Berlin",
    };

    private static string Describe(InhibitRuleOptions r) =>
        $"{string.Join(",", r.SourceMatchers)} -> {string.Join(",", r.TargetMatchers)} == {string.Join(",", r.Equal)} for {r.Duration}";

    private static string Describe(TimeIntervalOptions i) =>
        $"{string.Join(",", i.Times.Select(t => $"{t.StartTime}-{t.EndTime}"))} {string.Join(",", i.Weekdays)} {string.Join(",", i.DaysOfMonth)} " +
        $"{string.Join(",", i.Months)} {string.Join(",", i.Years)} {i.Location}";

    [SkippableFact]
    public async Task Rules_and_intervals_survive_a_restart_are_replaced_by_name_and_deleted()
    {
        var storage = await StorageAsync();
        var (rules, intervals) = Stores(storage);
        await rules.PutInhibitRuleAsync(new StoredInhibitRule("escape", Rule(), T0), CancellationToken.None);
        await rules.PutInhibitRuleAsync(new StoredInhibitRule("another", Rule("k8s.pod.name"), T0), CancellationToken.None);
        await intervals.PutTimeIntervalAsync(new StoredTimeInterval("escape", [Window(), new TimeIntervalOptions { Years = ["2027"] }], T0), CancellationToken.None);
        await rules.PutInhibitRuleAsync(new StoredInhibitRule("escape", Rule("k8s.ns.name"), T0.AddMinutes(1)), CancellationToken.None);

        var (reopenedRules, reopenedIntervals) = Stores(await ReopenAsync(storage));
        var listed = await reopenedRules.ListInhibitRulesAsync(CancellationToken.None);
        Assert.Equal(["another", "escape"], listed.Select(r => r.Name));
        Assert.Equal(Describe(Rule("k8s.ns.name")), Describe(listed[1].Rule));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(T0.AddMinutes(1).ToUnixTimeMilliseconds()), listed[1].UpdatedAt);
        var interval = Assert.Single(await reopenedIntervals.ListTimeIntervalsAsync(CancellationToken.None)); // kinds apart: same name, no clash
        Assert.Equal("escape", interval.Name);
        Assert.Equal([Describe(Window()), Describe(new TimeIntervalOptions { Years = ["2027"] })], interval.Intervals.Select(Describe));

        Assert.True(await reopenedRules.DeleteInhibitRuleAsync("escape", CancellationToken.None));
        Assert.False(await reopenedRules.DeleteInhibitRuleAsync("escape", CancellationToken.None));
        Assert.True(await reopenedIntervals.DeleteTimeIntervalAsync("escape", CancellationToken.None));
        Assert.Equal(["another"], (await rules.ListInhibitRulesAsync(CancellationToken.None)).Select(r => r.Name));
        Assert.Empty(await intervals.ListTimeIntervalsAsync(CancellationToken.None));
    }

    [SkippableFact]
    public async Task Another_replicas_catalogs_see_a_change_once_told_to_refresh()
    {
        var storage = await StorageAsync();
        var (rules, intervals) = Stores(storage);
        var (otherRules, otherIntervals) = Stores(await ReopenAsync(storage));
        var here = new InhibitRuleCatalog([Rule()], rules);
        var there = new InhibitRuleCatalog([Rule()], otherRules);
        var hereSet = TimeIntervalSet.Empty;
        var thereSet = TimeIntervalSet.Empty;
        var hereIntervals = new TimeIntervalCatalog(new TimeIntervalsOptions(), hereSet, intervals);
        var thereIntervals = new TimeIntervalCatalog(new TimeIntervalsOptions(), thereSet, otherIntervals);
        await there.EnsureLoadedAsync(CancellationToken.None);
        await thereIntervals.EnsureLoadedAsync(CancellationToken.None);
        Assert.Single(there.Current.Rules);

        Assert.True(await here.PutAsync("escape-pod", Rule("k8s.pod.name"), T0, CancellationToken.None));
        Assert.False(await here.PutAsync("escape-pod", Rule("k8s.pod.name"), T0, CancellationToken.None));
        Assert.True(await hereIntervals.PutAsync("always", [new TimeIntervalOptions()], T0, CancellationToken.None));
        Assert.Equal(2, here.Current.Rules.Count);
        Assert.True(hereSet.Covers("always", T0));
        Assert.Single(there.Current.Rules); // not yet told
        Assert.False(thereSet.Covers("always", T0));

        await there.RefreshAsync(CancellationToken.None);
        await thereIntervals.RefreshAsync(CancellationToken.None);
        Assert.Equal(["config-0", "escape-pod"], there.Current.Entries.Select(e => e.Name));
        Assert.Equal(["config", "api"], there.Current.Entries.Select(e => e.Origin));
        Assert.Equal(2, there.Current.Rules.Count);
        Assert.True(thereSet.Covers("always", T0));

        Assert.True(await hereIntervals.DeleteAsync("always", CancellationToken.None));
        await thereIntervals.RefreshAsync(CancellationToken.None);
        Assert.False(thereSet.Covers("always", T0));
        Assert.False(hereSet.Has("always"));
    }
}

public sealed class SqliteAlertManagementStoreTests : AlertManagementStoreContract
{
    protected override Task<StorageUnderTest> CreateStorageAsync() => Task.FromResult(SqliteStorageUnderTest.Create());

    protected override (IInhibitRuleStore Rules, ITimeIntervalStore Intervals) Stores(StorageUnderTest storage)
    {
        var database = new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={((SqliteStorageUnderTest)storage).File}" }));
        var store = new SqliteAlertManagementStore(database);
        return (store, store);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresAlertManagementStoreTests(PostgresFixture fixture) : AlertManagementStoreContract
{
    protected override Task<StorageUnderTest> CreateStorageAsync() => PostgresStorageUnderTest.CreateAsync(fixture);

    protected override (IInhibitRuleStore Rules, ITimeIntervalStore Intervals) Stores(StorageUnderTest storage)
    {
        var store = new PostgresAlertManagementStore(((PostgresStorageUnderTest)storage).Database);
        return (store, store);
    }
}
