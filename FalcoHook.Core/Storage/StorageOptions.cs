namespace FalcoHook.Core.Storage;

/// <summary><c>FalcoHook:Storage</c>: where the inbox and the outbox live.</summary>
public sealed class StorageOptions
{
    public const string Section = "FalcoHook:Storage";

    /// <summary><c>sqlite</c> (default, embedded, one file). PostgreSQL is planned for several replicas.</summary>
    public string Provider { get; set; } = "sqlite";

    /// <summary>Relative paths are resolved against the working directory; the folder is created at start.</summary>
    public string ConnectionString { get; set; } = "Data Source=data/falcohook.db";

    /// <summary>How long a writer waits for another writer's lock before failing.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
