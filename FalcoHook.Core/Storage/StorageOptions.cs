using FalcoHook.Core.Configuration;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Storage;

/// <summary><c>FalcoHook:Storage</c>: where the inbox, the outbox, silences, pipeline state and managed rules live.</summary>
public sealed class StorageOptions
{
    public const string Section = "FalcoHook:Storage";

    /// <summary>The embedded provider: one SQLite file.</summary>
    public const string Sqlite = "sqlite";

    /// <summary>The storage provider; <c>sqlite</c> is the one there is (and the default).</summary>
    public string Provider { get; set; } = Sqlite;

    /// <summary>Relative paths are resolved against the working directory; the folder is created at start.</summary>
    public string ConnectionString { get; set; } = "Data Source=data/falcohook.db";

    /// <summary>How long a writer waits for another writer's lock before failing.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public static bool IsSqlite(string provider) => string.Equals(provider.Trim(), Sqlite, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Checks <c>FalcoHook:Storage</c> at start-up.</summary>
public sealed class StorageOptionsValidator : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var failures = new OptionsFailures(StorageOptions.Section);
        if (!StorageOptions.IsSqlite(options.Provider ?? ""))
            failures.Add(nameof(StorageOptions.Provider), $"must be {StorageOptions.Sqlite} (got '{options.Provider}').");
        failures.Required(nameof(StorageOptions.ConnectionString), options.ConnectionString);
        return failures.Result;
    }
}
