using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Storage.Sqlite;

/// <summary>
/// The one SQLite file: opens connections (WAL, busy timeout, and the <see cref="SqliteSync"/> the caller's
/// write needs) and creates or migrates the schema the first time it is used. A row is committed when a write
/// returns: a SIGKILL loses nothing, whatever the tier; only <see cref="SqliteSync.Full"/> survives a power loss.
/// </summary>
public sealed class SqliteDatabase
{
    private readonly string _connectionString;
    private readonly int _busyTimeoutMs;
    private readonly string _fullPragmas;
    private readonly string _normalPragmas;
    private readonly Lazy<int> _migrated;
    private readonly SqliteWriteGate _writeGate = new();

    private readonly TimeProvider _time;

    public SqliteDatabase(IOptions<StorageOptions> options, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        var value = options.Value;
        var builder = new SqliteConnectionStringBuilder(value.ConnectionString) { Pooling = true };
        if (builder.Mode != SqliteOpenMode.Memory && builder.DataSource is { Length: > 0 } path && path != ":memory:")
        {
            var full = Path.GetFullPath(path);
            builder.DataSource = full;
            var directory = Path.GetDirectoryName(full);
            if (!string.IsNullOrEmpty(directory)) Directory.CreateDirectory(directory);
        }
        _connectionString = builder.ToString();
        _busyTimeoutMs = (int)Math.Clamp(value.BusyTimeout.TotalMilliseconds, 0, int.MaxValue);
        _fullPragmas = $"PRAGMA busy_timeout = {_busyTimeoutMs}; PRAGMA synchronous = FULL;";
        _normalPragmas = $"PRAGMA busy_timeout = {_busyTimeoutMs}; PRAGMA synchronous = NORMAL;";
        _migrated = new Lazy<int>(Migrate, LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The file in use (for logs and tests).</summary>
    public string DataSource => new SqliteConnectionStringBuilder(_connectionString).DataSource;

    /// <summary>The schema version after migration.</summary>
    public int SchemaVersion => _migrated.Value;

    /// <summary>A connection whose commits are <see cref="SqliteSync.Full"/>: for reads, and for writes a 2xx stands on.</summary>
    public Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => OpenAsync(SqliteSync.Full, cancellationToken);

    /// <summary>
    /// A connection whose commits are <paramref name="sync"/>. Pooled connections keep their pragmas, so every open
    /// sets <c>synchronous</c> again: a connection last used for a <see cref="SqliteSync.Normal"/> write never
    /// carries that into a <see cref="SqliteSync.Full"/> one.
    /// </summary>
    public async Task<SqliteConnection> OpenAsync(SqliteSync sync, CancellationToken cancellationToken)
    {
        _ = _migrated.Value;
        return await OpenRawAsync(sync, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for this process's turn to write; dispose the result when the write has committed. SQLite takes
    /// one writer at a time and makes the others sleep in its busy handler (1 ms, 2 ms, 5 ms … per retry), so
    /// writers of this process (inbox appends and deletes, outbox updates) queue here instead, in order and
    /// without sleeping (<see cref="SqliteWriteGate"/>). Another process on the same file still waits through the busy timeout.
    /// </summary>
    public async ValueTask<WriteTurn> EnterWriteAsync(CancellationToken cancellationToken)
    {
        await _writeGate.EnterAsync(first: false, cancellationToken).ConfigureAwait(false);
        return new WriteTurn(this);
    }

    /// <summary>As <see cref="EnterWriteAsync"/>, for a write a 2xx waits on: it goes before the writes queued already.</summary>
    public async ValueTask<WriteTurn> EnterWriteFirstAsync(CancellationToken cancellationToken)
    {
        await _writeGate.EnterAsync(first: true, cancellationToken).ConfigureAwait(false);
        return new WriteTurn(this);
    }

    /// <summary>A held write turn; disposing it lets the next writer in.</summary>
    public readonly struct WriteTurn(SqliteDatabase database) : IDisposable
    {
        public void Dispose() => database._writeGate.Release();
    }

    private async Task<SqliteConnection> OpenRawAsync(SqliteSync sync, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(_connectionString) { DefaultTimeout = Math.Max(1, _busyTimeoutMs / 1000) };
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var pragma = connection.CreateCommand();
            pragma.CommandText = sync == SqliteSync.Normal ? _normalPragmas : _fullPragmas;
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private int Migrate()
    {
        using var connection = OpenRawAsync(SqliteSync.Full, CancellationToken.None).GetAwaiter().GetResult();
        Execute(connection, "PRAGMA journal_mode = WAL;");
        Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL, applied INTEGER NOT NULL);");
        using var transaction = connection.BeginTransaction(deferred: false);
        var current = Convert.ToInt32(Scalar(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_version;"), System.Globalization.CultureInfo.InvariantCulture);
        for (var version = current + 1; version <= SqliteSchema.Migrations.Count; version++)
        {
            Execute(connection, SqliteSchema.Migrations[version - 1]);
            Execute(connection, $"INSERT INTO schema_version (version, applied) VALUES ({version}, {_time.GetUtcNow().ToUnixTimeMilliseconds()});");
        }
        transaction.Commit();
        return SqliteSchema.Migrations.Count;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
