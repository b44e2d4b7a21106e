using FalcoHook.Core.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Events.Sqlite;

/// <summary>
/// The history's own SQLite file (WAL, <c>synchronous = NORMAL</c>: it is history, not acknowledged data, and a file of
/// its own keeps its writes off the inbox's write lock). Creates the schema on first use.
/// </summary>
public sealed class SqliteEventDatabase
{
    private readonly string _connectionString;
    private readonly Lazy<bool> _created;
    private readonly SemaphoreSlim _writeGate = new(1, 1);

    public SqliteEventDatabase(IOptions<EventsOptions> events, IOptions<StorageOptions> storage)
    {
        var path = FileFor(events.Value, storage.Value);
        var directory = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 }.ToString();
        _created = new Lazy<bool>(Create, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The history's file.</summary>
    public string DataSource => new SqliteConnectionStringBuilder(_connectionString).DataSource;

    /// <summary>
    /// <see cref="EventsOptions.File"/>, or <c>events.db</c> beside the main database file (in <c>data/</c> when the
    /// main store is PostgreSQL or in memory).
    /// </summary>
    public static string FileFor(EventsOptions events, StorageOptions storage)
    {
        if (!string.IsNullOrWhiteSpace(events.File)) return Path.GetFullPath(events.File);
        if (!StorageOptions.IsSqlite(storage.Provider)) return Path.GetFullPath(Path.Combine("data", "events.db"));
        var main = new SqliteConnectionStringBuilder(storage.ConnectionString);
        var directory = main.Mode == SqliteOpenMode.Memory || string.IsNullOrEmpty(main.DataSource) || main.DataSource == ":memory:"
            ? "data"
            : Path.GetDirectoryName(Path.GetFullPath(main.DataSource)) ?? "data";
        return Path.GetFullPath(Path.Combine(directory, "events.db"));
    }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        _ = _created.Value;
        return await OpenRawAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>This process's writers (the recorder, retention) take turns here rather than in SQLite's busy handler.</summary>
    public async ValueTask<IDisposable> EnterWriteAsync(CancellationToken cancellationToken)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Turn(_writeGate);
    }

    private sealed class Turn(SemaphoreSlim gate) : IDisposable
    {
        private int _released;
        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0) gate.Release();
        }
    }

    private async Task<SqliteConnection> OpenRawAsync(CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var pragma = connection.CreateCommand();
            // temp_store = MEMORY: SQLite copies every page a statement first changes into a statement journal, so that the
            // statement can be undone alone; an FTS5 insert (and the events insert, whose UNIQUE key may abort) needs one,
            // and past 64 KiB the journal goes to a temporary file. On a file it was ten times the history's own writes
            // (about 45 KB of write calls per event recorded); in memory it is a copy. Temporary tables and sorts of the
            // history's queries are small (a retention batch, grouped counts), so they fit in memory too.
            pragma.CommandText = "PRAGMA busy_timeout = 30000; PRAGMA synchronous = NORMAL; PRAGMA temp_store = MEMORY;";
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private bool Create()
    {
        using var connection = OpenRawAsync(CancellationToken.None).GetAwaiter().GetResult();
        using var command = connection.CreateCommand();
        // A new file gets 8 KiB pages (four alerts a page rather than two); the size of an existing one stays.
        command.CommandText = "PRAGMA page_size = 8192; PRAGMA journal_mode = WAL;";
        command.ExecuteNonQuery();
        command.CommandText = "PRAGMA user_version;";
        var version = Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (version > SqliteEventSchema.Version)
            throw new InvalidOperationException($"{DataSource} has history schema {version}; this version knows up to {SqliteEventSchema.Version}.");
        if (version == SqliteEventSchema.Version) return true;
        using var transaction = connection.BeginTransaction();
        command.Transaction = transaction;
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'events'";
        var upgrade = version > 0 && Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) > 0;
        command.CommandText = (upgrade ? SqliteEventSchema.Upgrade : "") + SqliteEventSchema.Create + (upgrade ? SqliteEventSchema.ContinueSequence : "") +
                              $"PRAGMA user_version = {SqliteEventSchema.Version};";
        command.ExecuteNonQuery();
        transaction.Commit();
        return true;
    }
}
