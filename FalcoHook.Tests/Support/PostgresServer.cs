using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace FalcoHook.Tests.Support;

/// <summary>
/// A real PostgreSQL 15 (Debian's binaries) of the tests' own: a fresh data directory in a temp folder, a free
/// loopback port, its unix socket in the same folder, trust authentication, <c>fsync</c> on (durability is what the
/// tests check). Run as <see cref="SystemBinary.UnprivilegedUser"/> when the tests run as root. <see cref="StopAsync"/>
/// and <see cref="StartAsync"/> stop and start the same data directory on the same port (a database outage);
/// disposal stops it at once and deletes the folder.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    /// <summary>Where Debian puts PostgreSQL 15's programs.</summary>
    public const string BinDirectory = "/usr/lib/postgresql/15/bin";

    private readonly string _bin;
    private readonly string? _user;
    private readonly string _root;
    private int _databases;

    private PostgresServer(string bin, string? user, string root, int port)
    {
        _bin = bin;
        _user = user;
        _root = root;
        Port = port;
    }

    public int Port { get; private set; }

    public bool IsRunning { get; private set; }

    private string DataDirectory => Path.Combine(_root, "data");

    private string SocketDirectory => Path.Combine(_root, "run");

    private string LogFile => Path.Combine(_root, "postgres.log");

    /// <summary>The <c>postgres</c> database, as the superuser (for administration).</summary>
    public string AdminConnectionString => ConnectionString("postgres");

    /// <summary>
    /// Stops the test (skipped, or failed under <c>CI=true</c>) when PostgreSQL 15 is not installed; the path of its
    /// <c>initdb</c> otherwise. Every PostgreSQL test calls this first.
    /// </summary>
    public static string Require() => SystemBinary.Require("initdb", "postgresql", Path.Combine(BinDirectory, "initdb"));

    /// <summary>Creates a cluster (<c>initdb</c>) in a fresh temp folder and starts it.</summary>
    public static async Task<PostgresServer> StartNewAsync()
    {
        var initdb = Require();
        var user = SystemBinary.UnprivilegedUser();
        var root = Path.Combine(Path.GetTempPath(), "falcohook-tests", "pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        var server = new PostgresServer(Path.GetDirectoryName(initdb)!, user, root, LocalPorts.Free());
        try
        {
            Directory.CreateDirectory(server.SocketDirectory);
            if (user is not null)
            {
                // The server's own user owns the folder; the folders above it only need to be traversable.
                await RunAsync(SystemBinary.StartAs(null, "chmod", "755", Path.GetDirectoryName(root)!)).ConfigureAwait(false);
                await RunAsync(SystemBinary.StartAs(null, "chown", "-R", user, root)).ConfigureAwait(false);
            }
            // --no-sync only spares initdb's own flushes of the template files; the server itself runs with fsync on.
            await server.RunAsAsync("initdb", "-D", server.DataDirectory, "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                "--locale=C", "--no-sync").ConfigureAwait(false);
            await server.StartAsync().ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts the server on its data directory and port and waits until it accepts connections.</summary>
    public async Task StartAsync()
    {
        if (IsRunning) return;
        var options = string.Join(' ',
            $"-p {Port}",
            "-c listen_addresses=127.0.0.1",
            $"-c unix_socket_directories={SocketDirectory}",
            "-c fsync=on",
            "-c synchronous_commit=on",
            "-c max_connections=300",
            "-c shared_buffers=32MB");
        await RunAsAsync("pg_ctl", "start", "-w", "-t", "60", "-D", DataDirectory, "-l", LogFile, "-o", options).ConfigureAwait(false);
        IsRunning = true;
    }

    /// <summary>
    /// Stops the server (fast shutdown: open sessions are ended, committed data is kept) and waits until it is down,
    /// so connections are refused until <see cref="StartAsync"/>.
    /// </summary>
    public async Task StopAsync()
    {
        if (!IsRunning) return;
        await RunAsAsync("pg_ctl", "stop", "-w", "-t", "60", "-m", "fast", "-D", DataDirectory).ConfigureAwait(false);
        IsRunning = false;
    }

    /// <summary>A connection string for <paramref name="database"/> on this server, over TCP on loopback.</summary>
    public string ConnectionString(string database) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = database,
        // Small pools: many test classes and replicas share one server.
        MaxPoolSize = 20,
        Timeout = 5,
    }.ConnectionString;

    /// <summary>Creates a fresh, empty database (one per test class, so tests do not see each other's rows); its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string? prefix = null)
    {
        var stem = (prefix ?? "t").ToLowerInvariant();
        var name = $"{stem[..Math.Min(stem.Length, 20)]}_{Interlocked.Increment(ref _databases)}_{Guid.NewGuid():N}";
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync().ConfigureAwait(false);
            await using var command = connection.CreateCommand();
            command.CommandText = $"CREATE DATABASE \"{name}\"";
            await command.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        return ConnectionString(name);
    }

    /// <summary>Stops the server at once (immediate shutdown) and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (IsRunning)
        {
            try { await RunAsAsync("pg_ctl", "stop", "-w", "-t", "30", "-m", "immediate", "-D", DataDirectory).ConfigureAwait(false); }
            catch (InvalidOperationException) { KillPostmaster(); }
            IsRunning = false;
        }
        // Only this server's admin pool; the tests' own data sources are theirs to dispose.
        await using (var admin = new NpgsqlConnection(AdminConnectionString)) NpgsqlConnection.ClearPool(admin);
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>The last lines of the server's log (for a failing test's message).</summary>
    public string LogTail(int lines = 30)
    {
        try { return string.Join('\n', File.ReadLines(LogFile).TakeLast(lines)); }
        catch (IOException) { return "(no log)"; }
    }

    private void KillPostmaster()
    {
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        if (!File.Exists(pidFile)) return;
        if (!int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid)) return;
        try { using var process = Process.GetProcessById(pid); process.Kill(entireProcessTree: true); }
        catch (ArgumentException) { }
        catch (InvalidOperationException) { }
    }

    private Task RunAsAsync(string program, params string[] arguments) =>
        RunAsync(SystemBinary.StartAs(_user, Path.Combine(_bin, program), arguments), this);

    private static async Task RunAsync(ProcessStartInfo start, PostgresServer? server = null)
    {
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().ConfigureAwait(false);
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"{start.FileName} {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}:\n{await output}\n{await error}\n{server?.LogTail()}");
    }
}

/// <summary>
/// One PostgreSQL server for every test class of the <see cref="PostgresCollection"/>, started on first use. Where
/// PostgreSQL is not installed nothing starts, and each test's <see cref="PostgresServer.Require"/> skips it.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    private PostgresServer? _server;

    public PostgresServer Server
    {
        get
        {
            PostgresServer.Require();
            return _server ?? throw new InvalidOperationException("The PostgreSQL fixture did not start.");
        }
    }

    public async Task InitializeAsync()
    {
        if (SystemBinary.Find("initdb", Path.Combine(PostgresServer.BinDirectory, "initdb")) is null) return;
        _server = await PostgresServer.StartNewAsync();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "PostgreSQL";
}
