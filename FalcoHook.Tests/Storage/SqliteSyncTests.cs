using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Storage;

public sealed class SqliteSyncTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_pooled_connection_used_for_a_normal_write_is_full_again_when_opened_for_a_full_one()
    {
        var db = new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={_dir.File("falcohook.db")}" }));

        IntPtr normalHandle;
        await using (var normal = await db.OpenAsync(SqliteSync.Normal, CancellationToken.None))
        {
            normalHandle = normal.Handle!.DangerousGetHandle();
            Assert.Equal(1L, await SynchronousAsync(normal));
        }
        await using (var full = await db.OpenAsync(SqliteSync.Full, CancellationToken.None))
        {
            // The same pooled sqlite3 handle, so the pragma left on it by the NORMAL open was overwritten, not avoided.
            Assert.Equal(normalHandle, full.Handle!.DangerousGetHandle());
            Assert.Equal(2L, await SynchronousAsync(full));
        }
        await using (var normal = await db.OpenAsync(SqliteSync.Normal, CancellationToken.None))
        {
            Assert.Equal(normalHandle, normal.Handle!.DangerousGetHandle());
            Assert.Equal(1L, await SynchronousAsync(normal));
        }
        await using (var plain = await db.OpenAsync(CancellationToken.None))
            Assert.Equal(2L, await SynchronousAsync(plain)); // the default is FULL
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private static async Task<long> SynchronousAsync(SqliteConnection connection) => (long)(await ScalarAsync(connection, "PRAGMA synchronous;"))!;
}
