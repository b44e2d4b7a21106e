using FalcoHook.Core.Configuration;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FalcoHook.Core.Storage;

/// <summary><c>FalcoHook:Storage</c>: where the inbox, the outbox, silences, pipeline state and managed rules live.</summary>
public sealed class StorageOptions
{
    public const string Section = "FalcoHook:Storage";

    /// <summary>The embedded provider: one SQLite file.</summary>
    public const string Sqlite = "sqlite";

    /// <summary>A PostgreSQL database (Npgsql), which several replicas can share.</summary>
    public const string Postgres = "postgres";

    /// <summary>The storage provider: <c>sqlite</c> (the default) or <c>postgres</c>.</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>
    /// For <c>sqlite</c> a Microsoft.Data.Sqlite connection string (relative paths are resolved against the working
    /// directory; the folder is created at start); for <c>postgres</c> an Npgsql one (<c>Host=…;Database=…;Username=…</c>),
    /// best given whole in the environment (<c>FalcoHook__Storage__ConnectionString</c>) since it holds the password.
    /// </summary>
    public string ConnectionString { get; set; } = "Data Source=data/falcohook.db";

    /// <summary>How long a writer waits for another writer's lock before failing (SQLite).</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public static bool IsSqlite(string provider) => string.Equals(provider.Trim(), Sqlite, StringComparison.OrdinalIgnoreCase);

    public static bool IsPostgres(string provider) => string.Equals(provider.Trim(), Postgres, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Checks <c>FalcoHook:Storage</c> at start-up.</summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new OptionsFailures(StorageOptions.Section);
        var provider = options.Provider ?? "";
        if (!StorageOptions.IsSqlite(provider) && !StorageOptions.IsPostgres(provider))
            failures.Add(nameof(StorageOptions.Provider), $"must be {StorageOptions.Sqlite} or {StorageOptions.Postgres} (got '{options.Provider}').");
        failures.Required(nameof(StorageOptions.ConnectionString), options.ConnectionString);
        if (StorageOptions.IsPostgres(provider) && !string.IsNullOrWhiteSpace(options.ConnectionString))
            ValidatePostgres(failures, options.ConnectionString);
        return failures.Result;
    }

    private static void ValidatePostgres(OptionsFailures failures, string connectionString)
    {
        const string key = nameof(StorageOptions.ConnectionString);
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(connectionString);
            if (string.IsNullOrWhiteSpace(builder.Host))
                failures.Add(key, "must name the PostgreSQL server (Host=…;Database=…;Username=…) when Provider is postgres.");
        }
        catch (ArgumentException e)
        {
            // Npgsql's message names the keyword, never the value (which may be the password).
            failures.Add(key, $"is not a PostgreSQL connection string: {e.Message}");
        }
    }
}
