using Npgsql;
using NpgsqlTypes;

/// <summary>
/// The PostgreSQL floor for bench/postgres.sh: the least a durable endpoint can do with PostgreSQL — each group of
/// bodies is inserted in one transaction with one multi-row INSERT (the server's own <c>synchronous_commit</c>, on: a
/// WAL flush per commit, as FalcoHook's inbox) before the callers are answered. No pipeline, no logging, no telemetry,
/// no delete: what a group commit to PostgreSQL costs against the ceiling.
/// </summary>
internal sealed class PostgresFloor : GroupCommitFloor
{
    private readonly NpgsqlConnection _connection;

    public PostgresFloor(string connectionString)
    {
        _connection = new NpgsqlConnection(connectionString);
        _connection.Open();
        using (var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS floor_log (id bigserial PRIMARY KEY, body bytea NOT NULL)", _connection))
            create.ExecuteNonQuery();
        Start();
    }

    protected override void Commit(IReadOnlyList<byte[]> bodies)
    {
        using var transaction = _connection.BeginTransaction();
        using var insert = new NpgsqlCommand("INSERT INTO floor_log (body) SELECT unnest(@bodies)", _connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter("bodies", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = bodies.ToArray() });
        insert.ExecuteNonQuery();
        transaction.Commit();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
