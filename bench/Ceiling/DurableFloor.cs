using Microsoft.Data.Sqlite;

/// <summary>
/// The durable floor for bench/ingest.sh: the least a durable endpoint can do with SQLite — each group of bodies is
/// inserted into a WAL table in one transaction (<c>synchronous = FULL</c>, an fsync per commit, as FalcoHook's inbox)
/// before the callers are answered; a second loop deletes what was committed (<c>synchronous = NORMAL</c>), as
/// FalcoHook's drain does once the pipeline has handled the rows. No pipeline, no logging, no telemetry: what
/// durability alone costs against the ceiling.
/// </summary>
internal sealed class DurableFloor : GroupCommitFloor
{
    private readonly string _connectionString;
    private readonly SqliteConnection _connection;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _lastId;
    private readonly Task _deleter;
    private readonly CancellationTokenSource _stop = new();
    private long _committedThrough;

    public DurableFloor(string path)
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        _connection = Open("FULL");
        Execute(_connection, "PRAGMA journal_mode = WAL;");
        Execute(_connection, "CREATE TABLE IF NOT EXISTS log (id INTEGER PRIMARY KEY, body BLOB NOT NULL);");
        _insert = _connection.CreateCommand();
        _insert.CommandText = "INSERT INTO log (body) VALUES ($body);";
        _insert.Parameters.Add("$body", SqliteType.Blob);
        _lastId = _connection.CreateCommand();
        _lastId.CommandText = "SELECT last_insert_rowid();";
        _deleter = Task.Run(DeleteLoopAsync);
        Start();
    }

    protected override void Commit(IReadOnlyList<byte[]> bodies)
    {
        using (var transaction = _connection.BeginTransaction(deferred: false))
        {
            _insert.Transaction = transaction;
            foreach (var body in bodies)
            {
                _insert.Parameters[0].Value = body;
                _insert.ExecuteNonQuery();
            }
            transaction.Commit();
        }
        Volatile.Write(ref _committedThrough, (long)_lastId.ExecuteScalar()!);
    }

    private async Task DeleteLoopAsync()
    {
        using var connection = Open("NORMAL");
        using var delete = connection.CreateCommand();
        delete.CommandText = "DELETE FROM log WHERE id <= $through;";
        var parameter = delete.Parameters.Add("$through", SqliteType.Integer);
        while (!_stop.IsCancellationRequested)
        {
            try { await Task.Delay(5, _stop.Token); } catch (OperationCanceledException) { return; }
            parameter.Value = Volatile.Read(ref _committedThrough);
            try { delete.ExecuteNonQuery(); } catch (SqliteException e) when (e.SqliteErrorCode == 5) { } // busy: next round
        }
    }

    private SqliteConnection Open(string synchronous)
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        Execute(connection, $"PRAGMA busy_timeout = 5000; PRAGMA synchronous = {synchronous};");
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        _stop.Cancel();
        await _deleter.WaitAsync(TimeSpan.FromSeconds(10));
        _insert.Dispose();
        _lastId.Dispose();
        await _connection.DisposeAsync();
    }
}
