using FalcoHook.Core.Pipeline.State;
using FalcoHook.Core.Rules.Management;
using FalcoHook.Core.Silences;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Postgres;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Storage;

/// <summary>
/// One provider's stores over a fresh database of their own, as a contract test uses them. <see cref="ReopenAsync"/>
/// gives new store instances over the same data (what a restarted process finds).
/// </summary>
public abstract class StorageUnderTest : IAsyncDisposable
{
    public abstract string Provider { get; }
    public abstract IInboxStore Inbox { get; }
    public abstract IOutboxStore Outbox { get; }
    public abstract IPipelineStateStore PipelineState { get; }
    public abstract IManagedRulesStore Rules { get; }
    public abstract ISilenceStore Silences(TimeProvider time);

    /// <summary>New stores over the same data, as after a restart (nothing kept in memory).</summary>
    public abstract Task<StorageUnderTest> ReopenAsync();

    public abstract ValueTask DisposeAsync();
}

public sealed class SqliteStorageUnderTest : StorageUnderTest
{
    private readonly TempDirectory? _dir;
    private readonly SqliteDatabase _database;

    private SqliteStorageUnderTest(TempDirectory? dir, string file)
    {
        _dir = dir;
        File = file;
        _database = new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={file}" }));
        Inbox = new SqliteInboxStore(_database);
        Outbox = new SqliteOutboxStore(_database);
        PipelineState = new SqlitePipelineStateStore(_database);
        Rules = new SqliteRulesStore(_database);
    }

    public static StorageUnderTest Create()
    {
        var dir = new TempDirectory();
        return new SqliteStorageUnderTest(dir, dir.File("falcohook.db"));
    }

    public string File { get; }
    public override string Provider => StorageOptions.Sqlite;
    public override IInboxStore Inbox { get; }
    public override IOutboxStore Outbox { get; }
    public override IPipelineStateStore PipelineState { get; }
    public override IManagedRulesStore Rules { get; }
    public override ISilenceStore Silences(TimeProvider time) => new SqliteSilenceStore(_database, time);

    public override Task<StorageUnderTest> ReopenAsync()
    {
        _dir?.ClosePooledConnections();
        return Task.FromResult<StorageUnderTest>(new SqliteStorageUnderTest(null, File));
    }

    public override ValueTask DisposeAsync()
    {
        _dir?.Dispose();
        return ValueTask.CompletedTask;
    }
}

public sealed class PostgresStorageUnderTest : StorageUnderTest
{
    private readonly PostgresDatabase _database;

    private PostgresStorageUnderTest(string connectionString, string instanceId = "test-replica")
    {
        ConnectionString = connectionString;
        _database = new PostgresDatabase(Options.Create(new StorageOptions { Provider = StorageOptions.Postgres, ConnectionString = connectionString }));
        Inbox = new PostgresInboxStore(_database);
        Outbox = OutboxAs(instanceId, TimeSpan.FromMinutes(2));
        PipelineState = new PostgresPipelineStateStore(_database);
        Rules = new PostgresRulesStore(_database);
    }

    /// <summary>A fresh database on the shared server.</summary>
    public static async Task<StorageUnderTest> CreateAsync(PostgresFixture fixture) =>
        new PostgresStorageUnderTest(await fixture.Server.CreateDatabaseAsync("contract"));

    public string ConnectionString { get; }
    public PostgresDatabase Database => _database;
    public override string Provider => StorageOptions.Postgres;
    public override IInboxStore Inbox { get; }
    public override IOutboxStore Outbox { get; }
    public override IPipelineStateStore PipelineState { get; }
    public override IManagedRulesStore Rules { get; }
    public override ISilenceStore Silences(TimeProvider time) => new PostgresSilenceStore(_database, time);

    /// <summary>The outbox as the replica <paramref name="instanceId"/> sees it, its claims holding for <paramref name="lease"/>.</summary>
    public PostgresOutboxStore OutboxAs(string instanceId, TimeSpan lease) =>
        new(_database, Options.Create(new DeliveryLeaseOptions { InstanceId = instanceId, LeaseDuration = lease }));

    public override Task<StorageUnderTest> ReopenAsync() => Task.FromResult<StorageUnderTest>(new PostgresStorageUnderTest(ConnectionString));

    public override ValueTask DisposeAsync() => _database.DisposeAsync();
}

/// <summary>
/// The base of every store contract: a test asks for its storage with <see cref="StorageAsync"/> (the PostgreSQL
/// subclass skips, or fails under CI, when PostgreSQL is not installed); all of it is disposed after the test.
/// </summary>
public abstract class StoreContract : IAsyncLifetime
{
    private readonly List<StorageUnderTest> _opened = [];

    /// <summary>Fresh storage of the provider under test.</summary>
    protected abstract Task<StorageUnderTest> CreateStorageAsync();

    protected async Task<StorageUnderTest> StorageAsync()
    {
        var storage = await CreateStorageAsync();
        _opened.Add(storage);
        return storage;
    }

    /// <summary>The same data through new stores (disposed with the test).</summary>
    protected async Task<StorageUnderTest> ReopenAsync(StorageUnderTest storage)
    {
        var reopened = await storage.ReopenAsync();
        _opened.Add(reopened);
        return reopened;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        for (var i = _opened.Count - 1; i >= 0; i--) await _opened[i].DisposeAsync();
    }
}
