using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Storage;

/// <summary>
/// The tests' stand-in for a process exit closes the pooled connections of its own folder's files only: a test that
/// asserts pool reuse (<see cref="SqliteSyncTests"/>) can run beside one that restarts over its file.
/// </summary>
public sealed class TempDirectoryPoolTests
{
    [Fact]
    public async Task Closing_a_folders_pooled_connections_reopens_its_file_afresh_and_leaves_other_folders_pools_alone()
    {
        using var mine = new TempDirectory();
        using var other = new TempDirectory();
        var mineDb = Database(mine);
        var otherDb = Database(other);
        await MarkConnectionAsync(mineDb);
        await MarkConnectionAsync(otherDb);
        Assert.True(await IsConnectionMarkedAsync(mineDb)); // the pool handed the marked connection back

        mine.ClosePooledConnections();

        Assert.False(await IsConnectionMarkedAsync(mineDb));
        Assert.True(await IsConnectionMarkedAsync(otherDb));
    }

    private static SqliteDatabase Database(TempDirectory dir) =>
        new(Options.Create(new StorageOptions { ConnectionString = $"Data Source={dir.File("data/falcohook.db")}" }));

    /// <summary>A TEMP table lives as long as the connection: it tells a pooled connection from a fresh one.</summary>
    private static async Task MarkConnectionAsync(SqliteDatabase database)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "CREATE TEMP TABLE pool_marker (x INTEGER);";
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<bool> IsConnectionMarkedAsync(SqliteDatabase database)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM temp.sqlite_master WHERE name = 'pool_marker';";
        return (long)(await command.ExecuteScalarAsync())! == 1;
    }
}
