using Microsoft.Data.Sqlite;

namespace FalcoHook.Tests.Support;

/// <summary>
/// A fresh folder under the system temp dir, removed on dispose. Its SQLite files' pooled connections are closed
/// by <see cref="ClosePooledConnections"/> (and on dispose) one pool at a time, never with the process-wide
/// <c>ClearAllPools</c>, so tests running in parallel keep their own pools.
/// </summary>
public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "falcohook-tests", Guid.NewGuid().ToString("N"));

    public TempDirectory() => Directory.CreateDirectory(Path);

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>
    /// Closes the idle pooled connections to every <c>*.db</c> file in this folder (as a process exit would) and makes
    /// the ones in use close when returned: the next open reads the file afresh.
    /// </summary>
    public void ClosePooledConnections()
    {
        if (!Directory.Exists(Path)) return;
        foreach (var file in Directory.EnumerateFiles(Path, "*.db", SearchOption.AllDirectories))
            foreach (var connectionString in PooledConnectionStrings(file))
            {
                using var connection = new SqliteConnection(connectionString);
                SqliteConnection.ClearPool(connection);
            }
    }

    /// <summary>
    /// The pools a file can have: one per connection string. <c>SqliteDatabase</c> opens it with the full path and
    /// <c>Pooling=True</c> added to what it was given (the tests give <c>Data Source=&lt;file&gt;</c>).
    /// </summary>
    private static IEnumerable<string> PooledConnectionStrings(string file)
    {
        var full = System.IO.Path.GetFullPath(file);
        yield return new SqliteConnectionStringBuilder($"Data Source={full}") { Pooling = true }.ToString();
        yield return new SqliteConnectionStringBuilder { DataSource = full }.ToString();
    }

    public void Dispose()
    {
        ClosePooledConnections();
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
