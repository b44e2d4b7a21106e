using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FalcoHook.Core.Storage.Postgres;

/// <summary>
/// The PostgreSQL database: one <see cref="NpgsqlDataSource"/> (its connection pool) for every store, and the schema,
/// migrated the first time a connection is opened. Migrations run in one transaction that first takes a transaction
/// advisory lock, so replicas starting together apply each step once, one after another. A failed migration (the
/// database unreachable at start) is tried again on the next open. Commits are synchronous
/// (<c>synchronous_commit</c> is left as the server has it, <c>on</c> by default): a write returns once it is durable.
/// </summary>
public sealed partial class PostgresDatabase : IAsyncDisposable
{
    /// <summary>The advisory lock key of the schema migration (any bigint of our own: "FalcoHk" in ASCII).</summary>
    public const long MigrationLockKey = 0x46616C636F486B;

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _migrateGate = new(1, 1);
    private volatile bool _migrated;

    public PostgresDatabase(IOptions<StorageOptions> options, TimeProvider? time = null, ILogger<PostgresDatabase>? logger = null)
    {
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        var builder = new NpgsqlConnectionStringBuilder(options.Value.ConnectionString);
        if (string.IsNullOrEmpty(builder.ApplicationName)) builder.ApplicationName = "falcohook";
        DataSource = Build(builder.ConnectionString);
    }

    /// <summary>
    /// A data source whose commands make a span only inside a span of ours (a request, a pipeline batch): the
    /// dispatcher's, drain's and coordination's polls start no traces of their own.
    /// </summary>
    public static NpgsqlDataSource Build(string connectionString)
    {
        var dataSource = new NpgsqlDataSourceBuilder(connectionString);
        dataSource.ConfigureTracing(tracing => tracing
            .ConfigureCommandFilter(_ => Activity.Current is not null)
            .ConfigureBatchFilter(_ => Activity.Current is not null));
        return dataSource.Build();
    }

    /// <summary>The pool every store opens its connections from.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The schema version this build migrates to.</summary>
    public static int SchemaVersion => PostgresSchema.Migrations.Count;

    /// <summary>The server and database in use, without credentials (for logs).</summary>
    public string Describe()
    {
        var builder = new NpgsqlConnectionStringBuilder(DataSource.ConnectionString);
        return $"{builder.Host}:{builder.Port}/{builder.Database}";
    }

    /// <summary>An open connection, the schema migrated.</summary>
    public async ValueTask<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        if (!_migrated) await MigrateAsync(cancellationToken).ConfigureAwait(false);
        return await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Applies the migrations the database lacks (once per process; again after a failure); returns the version.</summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        if (_migrated) return SchemaVersion;
        await _migrateGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_migrated) return SchemaVersion;
            await using var connection = await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLockKey});", cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied bigint NOT NULL);",
                cancellationToken).ConfigureAwait(false);
            await using var read = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM schema_version;", connection);
            var current = (int)(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
            for (var version = current + 1; version <= PostgresSchema.Migrations.Count; version++)
            {
                await ExecuteAsync(connection, PostgresSchema.Migrations[version - 1], cancellationToken).ConfigureAwait(false);
                await using var record = new NpgsqlCommand("INSERT INTO schema_version (version, applied) VALUES ($1, $2);", connection);
                record.Parameters.Add(new NpgsqlParameter { Value = version });
                record.Parameters.Add(new NpgsqlParameter { Value = _time.GetUtcNow().ToUnixTimeMilliseconds() });
                await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            if (current < SchemaVersion) Migrated(_logger, Describe(), current, SchemaVersion);
            _migrated = true;
            return SchemaVersion;
        }
        finally
        {
            _migrateGate.Release();
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    [LoggerMessage(EventId = 9101, Level = LogLevel.Information, Message = "PostgreSQL {Database}: schema migrated from version {From} to {To}")]
    private static partial void Migrated(ILogger logger, string database, int from, int to);
}
