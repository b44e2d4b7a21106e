using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Postgres;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FalcoHook.Tests.Storage;

[Collection(PostgresCollection.Name)]
public sealed class PostgresMigrationTests(PostgresFixture fixture)
{
    [SkippableFact]
    public async Task Replicas_starting_together_apply_each_migration_once_under_the_advisory_lock()
    {
        PostgresServer.Require();
        var connectionString = await fixture.Server.CreateDatabaseAsync("migrate");
        var replicas = Enumerable.Range(0, 4)
            .Select(_ => new PostgresDatabase(Options.Create(new StorageOptions { Provider = StorageOptions.Postgres, ConnectionString = connectionString })))
            .ToList();
        try
        {
            var versions = await Task.WhenAll(replicas.Select(r => r.MigrateAsync(CancellationToken.None)));

            Assert.All(versions, v => Assert.Equal(PostgresDatabase.SchemaVersion, v));
            await using var connection = await replicas[0].OpenAsync(CancellationToken.None);
            await using var command = new NpgsqlCommand("SELECT array_agg(version ORDER BY version) FROM schema_version", connection);
            Assert.Equal(Enumerable.Range(1, PostgresDatabase.SchemaVersion).ToArray(), (int[])(await command.ExecuteScalarAsync())!);
        }
        finally
        {
            foreach (var replica in replicas) await replica.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task The_server_keeps_committed_rows_across_a_stop_and_start_of_its_data_directory()
    {
        PostgresServer.Require();
        await using var server = await PostgresServer.StartNewAsync();
        // Unpooled: each open is a fresh session, so none outlives the restart.
        var connectionString = new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync()) { Pooling = false }.ConnectionString;
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("CREATE TABLE t (x int); INSERT INTO t VALUES (42); SHOW fsync;", connection);
            Assert.Equal("on", await command.ExecuteScalarAsync());
        }

        await server.StopAsync();
        await using (var refused = new NpgsqlConnection(connectionString))
            await Assert.ThrowsAnyAsync<NpgsqlException>(() => refused.OpenAsync());
        await server.StartAsync();

        await using var again = new NpgsqlConnection(connectionString);
        await again.OpenAsync();
        await using var read = new NpgsqlCommand("SELECT x FROM t", again);
        Assert.Equal(42, await read.ExecuteScalarAsync());
    }
}
