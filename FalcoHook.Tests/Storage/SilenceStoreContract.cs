using FalcoHook.Core.Silences;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace FalcoHook.Tests.Storage;

/// <summary>What every durable <see cref="ISilenceStore"/> does, on every provider.</summary>
public abstract class SilenceStoreContract : StoreContract
{
    private static readonly DateTimeOffset T0 = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(12_345);

    private static Silence NewSilence(string id, DateTimeOffset starts, DateTimeOffset ends)
    {
        Assert.True(SilenceMatcher.TryCreate("falco.rule", MatchOperator.Equal, "Terminal shell in container", out var rule, out _));
        Assert.True(SilenceMatcher.TryCreate("falco.hostname", MatchOperator.Regex, "falco-.*", out var host, out _));
        return new Silence { Id = id, Matchers = [rule!, host!], StartsAt = starts, EndsAt = ends, CreatedBy = "ops", Comment = "maintenance", UpdatedAt = T0 };
    }

    private static string Describe(Silence s) =>
        $"{s.Id} {string.Join(",", s.Matchers)} {s.StartsAt:O} {s.EndsAt:O} {s.CreatedBy} {s.Comment} {s.UpdatedAt:O}";

    [SkippableFact]
    public async Task A_silence_survives_a_restart_with_its_matchers_and_times_to_the_millisecond()
    {
        var storage = await StorageAsync();
        var time = new FakeTimeProvider(T0);
        var store = storage.Silences(time);
        await store.AddAsync(NewSilence("s1", T0, T0.AddHours(1)), CancellationToken.None);

        var reopened = (await ReopenAsync(storage)).Silences(time);
        var loaded = await reopened.GetAsync("s1", CancellationToken.None);

        Assert.NotNull(loaded);
        var millis = DateTimeOffset.FromUnixTimeMilliseconds(T0.ToUnixTimeMilliseconds());
        Assert.Equal(Describe(NewSilence("s1", millis, millis.AddHours(1)) with { UpdatedAt = millis }), Describe(loaded));
        Assert.True(loaded.Matches(TestAlerts.Shell()));
        Assert.Equal(Describe(loaded), Describe((await store.GetAsync("s1", CancellationToken.None))!)); // what is kept is what is stored
        Assert.Null(await reopened.GetAsync("s2", CancellationToken.None));
    }

    [SkippableFact]
    public async Task An_id_taken_already_is_refused()
    {
        var storage = await StorageAsync();
        var store = storage.Silences(new FakeTimeProvider(T0));
        await store.AddAsync(NewSilence("dup", T0, T0.AddHours(1)), CancellationToken.None);

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await store.AddAsync(NewSilence("dup", T0, T0.AddHours(2)), CancellationToken.None));
        Assert.Single(await store.ListAsync(CancellationToken.None));
    }

    [SkippableFact]
    public async Task Silences_list_by_start_and_an_expired_one_stays_expired_after_a_restart()
    {
        var storage = await StorageAsync();
        var time = new FakeTimeProvider(T0);
        var store = storage.Silences(time);
        await store.AddAsync(NewSilence("later", T0.AddHours(1), T0.AddHours(2)), CancellationToken.None);
        await store.AddAsync(NewSilence("now", T0, T0.AddHours(2)), CancellationToken.None);
        var expireAt = T0.AddMinutes(10);

        var expired = await store.ExpireAsync("now", expireAt, CancellationToken.None);
        Assert.Null(await store.ExpireAsync("missing", expireAt, CancellationToken.None));

        Assert.Equal(SilenceState.Expired, expired!.StateAt(expireAt));
        var reopened = (await ReopenAsync(storage)).Silences(time);
        Assert.Equal(["now", "later"], (await reopened.ListAsync(CancellationToken.None)).Select(s => s.Id));
        Assert.Equal(SilenceState.Expired, (await reopened.GetAsync("now", CancellationToken.None))!.StateAt(expireAt));
        Assert.Equal(SilenceState.Pending, (await reopened.GetAsync("later", CancellationToken.None))!.StateAt(expireAt));
    }

    [SkippableFact]
    public async Task A_silence_expired_longer_than_the_retention_is_forgotten_for_good()
    {
        var storage = await StorageAsync();
        var time = new FakeTimeProvider(T0);
        var store = storage.Silences(time);
        await store.AddAsync(NewSilence("old", T0, T0.AddHours(1)), CancellationToken.None);
        await store.AddAsync(NewSilence("kept", T0, T0.AddDays(30)), CancellationToken.None);

        time.Advance(TimeSpan.FromHours(1) + InMemorySilenceStore.Retention + TimeSpan.FromMinutes(1));
        Assert.Equal(["kept"], (await store.ListAsync(CancellationToken.None)).Select(s => s.Id));

        var reopened = (await ReopenAsync(storage)).Silences(time);
        Assert.Null(await reopened.GetAsync("old", CancellationToken.None));
    }
}

public sealed class SqliteSilenceStoreTests : SilenceStoreContract
{
    protected override Task<StorageUnderTest> CreateStorageAsync() => Task.FromResult(SqliteStorageUnderTest.Create());
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresSilenceStoreTests(PostgresFixture fixture) : SilenceStoreContract
{
    protected override Task<StorageUnderTest> CreateStorageAsync() => PostgresStorageUnderTest.CreateAsync(fixture);
}
