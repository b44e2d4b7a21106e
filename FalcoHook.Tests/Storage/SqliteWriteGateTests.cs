using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Storage;

/// <summary>The order of this process's SQLite writers, and the write-ahead log copied back outside their turns.</summary>
public sealed class SqliteWriteGateTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_write_a_2xx_waits_on_goes_before_the_queued_ones_which_keep_their_order()
    {
        var gate = new SqliteWriteGate();
        await gate.EnterAsync(first: false, CancellationToken.None);
        var order = new List<string>();
        Task Queue(string name, bool first) => Task.Run(async () =>
        {
            await gate.EnterAsync(first, CancellationToken.None);
            lock (order) order.Add(name);
        });

        var a = Queue("a", first: false);
        await WaitQueuedAsync(gate, 1);
        var b = Queue("b", first: false);
        await WaitQueuedAsync(gate, 2);
        var inbox = Queue("inbox", first: true);
        await WaitQueuedAsync(gate, 3);
        Assert.Empty(order);

        foreach (var expected in (string[])["inbox", "a", "b"])
        {
            gate.Release();
            await WaitUntilAsync(() => { lock (order) return order.Count > 0 && order[^1] == expected; });
        }
        await Task.WhenAll(a, b, inbox);
        Assert.Equal(["inbox", "a", "b"], order);
        gate.Release();
        await gate.EnterAsync(first: false, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5)); // open again
    }

    [Fact]
    public async Task A_waiter_that_gave_up_is_passed_over()
    {
        var gate = new SqliteWriteGate();
        await gate.EnterAsync(first: false, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var gaveUp = gate.EnterAsync(first: true, cancel.Token).AsTask();
        var next = gate.EnterAsync(first: false, CancellationToken.None).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gaveUp);
        Assert.False(next.IsCompleted);

        gate.Release();
        await next.WaitAsync(TimeSpan.FromSeconds(5));
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

        await WaitUntilAsync(() => new FileInfo(file).Length >= before + SqliteCheckpointer.TurnsPerCheckpoint * blob.Length);
    }

    private static async Task<object?> ScalarAsync(SqliteConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private static Task WaitQueuedAsync(SqliteWriteGate gate, int count) => WaitUntilAsync(() => gate.Waiting == count);

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            await Task.Delay(10);
        }
    }
}
