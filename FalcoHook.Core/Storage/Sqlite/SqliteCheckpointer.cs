using Microsoft.Data.Sqlite;

namespace FalcoHook.Core.Storage.Sqlite;

/// <summary>
/// Copies the write-ahead log back into the database file outside every writer's turn. SQLite's own automatic
/// checkpoint runs inside the commit that crosses its threshold, so one inbox group commit in a few hundred (a 2xx
/// waiting on it) also wrote and synced the database file. Connections of <see cref="SqliteDatabase"/> turn that off
/// (<see cref="Pragma"/>); instead, after every <see cref="TurnsPerCheckpoint"/> write turns, one passive checkpoint runs
/// on a connection of its own, while writers go on appending to the log (a passive checkpoint takes no write lock).
/// One runs at a time; turns counted while it runs start the next.
/// </summary>
internal sealed class SqliteCheckpointer(Func<CancellationToken, Task<SqliteConnection>> open)
{
    /// <summary>Set on every connection: no checkpoint inside a commit.</summary>
    public const string Pragma = "PRAGMA wal_autocheckpoint = 0;";

    /// <summary>Write turns between checkpoints: at today's rates a few per second, each copying a few megabytes.</summary>
    public const int TurnsPerCheckpoint = 64;

    private int _turns;
    private int _running;

    /// <summary>A write turn has ended.</summary>
    public void Written()
    {
        if (Interlocked.Increment(ref _turns) < TurnsPerCheckpoint || Interlocked.CompareExchange(ref _running, 1, 0) != 0) return;
        Interlocked.Exchange(ref _turns, 0);
        _ = Task.Run(CheckpointAsync);
    }

    private async Task CheckpointAsync()
    {
        try
        {
            await using var connection = await open(CancellationToken.None).ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        catch (SqliteException)
        {
            // the next one copies what this one could not
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }
}
