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

    [Fact]
    public async Task Commits_leave_the_log_to_the_checkpointer_which_copies_it_into_the_file()
    {
        var file = _dir.File("falcohook.db");
        var db = new SqliteDatabase(Options.Create(new StorageOptions { ConnectionString = $"Data Source={file}" }));
        await using (var connection = await db.OpenAsync(SqliteSync.Normal, CancellationToken.None))
        {
            Assert.Equal(0L, await ScalarAsync(connection, "PRAGMA wal_autocheckpoint;")); // no commit copies the log
            await ScalarAsync(connection, "CREATE TABLE scratch (data BLOB NOT NULL);");
        }
        var before = new FileInfo(file).Length;

        // Well under SQLite's own threshold (1,000 pages) per commit, far over it in all: only the checkpointer copies them.
        var blob = new byte[16 * 1024];
        for (var i = 0; i < 2 * SqliteCheckpointer.TurnsPerCheckpoint; i++)
        {
            using var turn = await db.EnterWriteAsync(CancellationToken.None);
            await using var connection = await db.OpenAsync(SqliteSync.Normal, CancellationToken.None);
            await using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO scratch (data) VALUES ($data);";
            insert.Parameters.AddWithValue("$data", blob);
            await insert.ExecuteNonQueryAsync();
        }

        await Eventually.TrueAsync(() => new FileInfo(file).Length >= before + SqliteCheckpointer.TurnsPerCheckpoint * blob.Length, "the log copied into the file");
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private static async Task<long> SynchronousAsync(SqliteConnection connection) => (long)(await ScalarAsync(connection, "PRAGMA synchronous;"))!;
}
