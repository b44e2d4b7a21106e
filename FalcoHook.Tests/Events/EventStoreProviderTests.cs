using FalcoHook.Core.Events;
using FalcoHook.Core.Events.Postgres;
using FalcoHook.Core.Events.Sqlite;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Postgres;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Events;

/// <summary>The event store contract on SQLite: stores over one file of their own.</summary>
public sealed class SqliteEventStoreTests : EventStoreContract, IDisposable
{
    private readonly TempDirectory _dir = new();

    protected override Task<IReadOnlyList<IEventStore>> StoresAsync(int count = 1)
    {
        var options = Options.Create(new EventsOptions { File = _dir.File($"events-{Guid.NewGuid():N}.db") });
        return Task.FromResult<IReadOnlyList<IEventStore>>(
            [.. Enumerable.Range(0, count).Select(_ => new SqliteEventStore(new SqliteEventDatabase(options, Options.Create(new StorageOptions()))))]);
    }

    public void Dispose() => _dir.Dispose();
}

/// <summary>The event store contract on PostgreSQL: stores over a fresh database of their own, one data source each (as replicas).</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresEventStoreTests(PostgresFixture fixture) : EventStoreContract, IAsyncLifetime
{
    private readonly List<PostgresDatabase> _databases = [];

    protected override async Task<IReadOnlyList<IEventStore>> StoresAsync(int count = 1)
    {
        var connectionString = await fixture.Server.CreateDatabaseAsync("events");
        var stores = new List<IEventStore>();
        for (var i = 0; i < count; i++)
        {
            var database = new PostgresDatabase(Options.Create(new StorageOptions { Provider = StorageOptions.Postgres, ConnectionString = connectionString }));
            _databases.Add(database);
            stores.Add(new PostgresEventStore(database));
        }
        return stores;
    }

    [SkippableFact]
    public async Task Replicas_writing_at_once_keep_every_event_once_with_one_id_per_storm()
    {
        var stores = await StoresAsync(3);
        var records = KnownEvents.Records();
        var batches = Enumerable.Range(0, 3).Select(r => (IReadOnlyList<EventRecord>)[.. records.Skip(r * 4), KnownEvents.Summary()]).ToList();

        var written = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            Task.Run(() => stores[i % 3].RecordAsync(batches[i % 3], KnownEvents.Base, CancellationToken.None))));

        Assert.Single(written.SelectMany(w => w).Where(e => e.Kind == EventKind.Summary).Select(e => e.Id).Distinct());
        Assert.Equal(records.Count, await stores[0].CountAsync(CancellationToken.None));
        Assert.Equal(KnownEvents.Alerts, (await stores[1].StatsAsync(new EventQuery(), null, KnownEvents.Base, CancellationToken.None)).Total);
        var all = await AllAsync(stores[2], new EventQuery(), 7);
        Assert.Equal(records.Count, all.Count);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var database in _databases) await database.DisposeAsync();
    }
}
