using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Postgres;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FalcoHook.Core.Coordination;

/// <summary>
/// The coordination's own connections to the replicas' PostgreSQL (<c>FalcoHook:Storage:ConnectionString</c>): a
/// small pool for notifications and rate slots, and dedicated connections for the leader's lock and the listener.
/// Its one table, <c>coordination_rate</c>, is created at first use.
/// </summary>
public sealed class PostgresCoordination : IAsyncDisposable
{
    /// <summary>The session advisory lock the leader holds (the bytes of "FalcoLdr").</summary>
    public const long LeaderLockKey = 0x46616c636f4c6472;

    /// <summary>The transaction advisory lock that serialises creating the coordination table.</summary>
    private const long SchemaLockKey = 0x46616c636f536368;

    /// <summary>The NOTIFY channel of <see cref="PostgresChangeFeed"/>.</summary>
    public const string Channel = "falcohook_changes";

    private readonly string _connectionString;
    private readonly SemaphoreSlim _schemaGate = new(1, 1);
    private bool _schemaReady;
    private readonly NpgsqlDataSource _dedicated;

    public PostgresCoordination(IOptions<StorageOptions> storage, IOptions<CoordinationOptions> options)
    {
        Options = options.Value;
        var builder = new NpgsqlConnectionStringBuilder(storage.Value.ConnectionString)
        {
            ApplicationName = "falcohook-coordination",
            MaxPoolSize = 8,
        };
        _connectionString = builder.ConnectionString;
        DataSource = PostgresDatabase.Build(_connectionString);
        _dedicated = PostgresDatabase.Build(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false }.ConnectionString);
        // One process, not one host: two replicas may share a host, and a restarted process is another instance.
        InstanceId = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid():N}";
    }

    public CoordinationOptions Options { get; }

    /// <summary>This process among the replicas.</summary>
    public string InstanceId { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>
    /// A connection of its own (not pooled): the leader's lock lives and dies with it. The server is told to end the
    /// session when it cannot reach this process for about three quarters of <see cref="CoordinationOptions.FailoverTimeout"/>.
    /// </summary>
    public async Task<NpgsqlConnection> OpenDedicatedAsync(CancellationToken cancellationToken)
    {
        var connection = _dedicated.CreateConnection();
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var quarter = Math.Max(1, (int)Options.CheckInterval.TotalSeconds);
            await using var command = connection.CreateCommand();
            command.CommandText = $"SET tcp_keepalives_idle = {quarter}; SET tcp_keepalives_interval = {quarter}; SET tcp_keepalives_count = 2; " +
                                  $"SET tcp_user_timeout = {3 * quarter * 1000};";
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Creates <c>coordination_rate</c> once, under a transaction lock so replicas starting together do not race.</summary>
    public async Task EnsureSchemaAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _schemaReady)) return;
        await _schemaGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_schemaReady) return;
            await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await using (var command = new NpgsqlCommand(
                $"SELECT pg_advisory_xact_lock({SchemaLockKey}); " +
                "CREATE TABLE IF NOT EXISTS coordination_rate (destination text PRIMARY KEY, next_slot timestamptz NOT NULL);",
                connection, transaction))
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            _schemaReady = true;
        }
        finally
        {
            _schemaGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _dedicated.DisposeAsync().ConfigureAwait(false);
        await DataSource.DisposeAsync().ConfigureAwait(false);
    }
}
