using System.Threading.Channels;
using Microsoft.Data.Sqlite;

/// <summary>
/// The durable floor for bench/ingest.sh: the least a durable endpoint can do with SQLite — one writer loop that
/// inserts every body waiting into a WAL table in one transaction (<c>synchronous = FULL</c>, an fsync per
/// commit, as FalcoHook's inbox) and completes the callers after the commit; a second loop deletes what was
/// committed (<c>synchronous = NORMAL</c>), as FalcoHook's drain does once the pipeline has handled the rows.
/// No pipeline, no logging, no telemetry: what durability alone costs against the ceiling.
/// </summary>
internal sealed class DurableFloor : IAsyncDisposable
{
    private readonly Channel<(byte[] Body, TaskCompletionSource Done)> _queue =
        Channel.CreateBounded<(byte[], TaskCompletionSource)>(new BoundedChannelOptions(4096) { SingleReader = true });
    private readonly string _connectionString;
    private readonly Task _writer;
    private readonly Task _deleter;
    private readonly CancellationTokenSource _stop = new();
    private long _committedThrough;

    public DurableFloor(string path)
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString();
        using (var connection = Open("FULL"))
        {
            Execute(connection, "PRAGMA journal_mode = WAL;");
            Execute(connection, "CREATE TABLE IF NOT EXISTS log (id INTEGER PRIMARY KEY, body BLOB NOT NULL);");
        }
        _writer = Task.Factory.StartNew(WriteLoop, TaskCreationOptions.LongRunning);
        _deleter = Task.Run(DeleteLoopAsync);
    }

    public Task AppendAsync(byte[] body, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_queue.Writer.TryWrite((body, done))) return WriteSlowAsync(body, done, cancellationToken);
        return done.Task;
    }

    private async Task WriteSlowAsync(byte[] body, TaskCompletionSource done, CancellationToken cancellationToken)
    {
        await _queue.Writer.WriteAsync((body, done), cancellationToken);
        await done.Task;
    }

    private void WriteLoop()
    {
        using var connection = Open("FULL");
        using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO log (body) VALUES ($body);";
        var parameter = insert.Parameters.Add("$body", SqliteType.Blob);
        using var lastId = connection.CreateCommand();
        lastId.CommandText = "SELECT last_insert_rowid();";
        var group = new List<TaskCompletionSource>();
        var reader = _queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            group.Clear();
            using (var transaction = connection.BeginTransaction(deferred: false))
            {
                insert.Transaction = transaction;
                while (group.Count < 1000 && reader.TryRead(out var item))
                {
                    parameter.Value = item.Body;
                    insert.ExecuteNonQuery();
                    group.Add(item.Done);
                }
                transaction.Commit();
            }
            Volatile.Write(ref _committedThrough, (long)lastId.ExecuteScalar()!);
            foreach (var done in group) done.TrySetResult();
        }
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

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        _stop.Cancel();
        await Task.WhenAll(_writer, _deleter).WaitAsync(TimeSpan.FromSeconds(10));
    }
}
