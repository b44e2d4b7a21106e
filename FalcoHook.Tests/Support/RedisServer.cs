using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace FalcoHook.Tests.Support;

/// <summary>
/// A real <c>redis-server</c> (Debian's package) of the test's own on 127.0.0.1 and a free port, its data in a temp
/// folder: no RDB snapshots, an append-only file written through on every command (<c>--appendonly yes --appendfsync
/// always</c>), so what it acknowledged survives a stop. Can be stopped and started again on the same port and folder.
/// Shared by a test class as a fixture; when the program is absent it starts nothing and each test's
/// <see cref="Require"/> skips it (fails under CI=true).
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private string? _program;
    private Process? _process;
    private ConnectionMultiplexer? _reader;

    public int Port { get; } = LocalPorts.Free();

    /// <summary><c>redis://127.0.0.1:port</c>.</summary>
    public string Url => $"redis://127.0.0.1:{Port}";

    public static string Require() => SystemBinary.Require("redis-server", "redis-server", "/usr/bin/redis-server");

    public async Task InitializeAsync()
    {
        _program = SystemBinary.Find("redis-server", "/usr/bin/redis-server");
        if (_program is not null) await StartAgainAsync();
    }

    /// <summary>Starts redis-server (again) and waits until it answers PING with PONG (its data loaded).</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(_program!) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--bind", "127.0.0.1", "--port", Port.ToString(CultureInfo.InvariantCulture), "--dir", _dir.Path, "--save", "",
                     "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no", "--loglevel", "warning" })
            start.ArgumentList.Add(argument);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Eventually.TrueAsync(async () =>
        {
            if (_process.HasExited) throw new InvalidOperationException($"redis-server exited with {_process.ExitCode}");
            return await PongAsync();
        }, $"redis-server answering on {Url}", TimeSpan.FromSeconds(20));
    }

    /// <summary>Stops redis-server (SIGTERM, as a service stop: it finishes its append-only file) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process) return;
        Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(); await process.WaitForExitAsync(); }
    }

    /// <summary>The test's own client (one, kept).</summary>
    public IDatabase Database(int index = 0)
    {
        _reader ??= ConnectionMultiplexer.Connect(new ConfigurationOptions { EndPoints = { { "127.0.0.1", Port } }, AbortOnConnectFail = false });
        return _reader.GetDatabase(index);
    }

    /// <summary>Every entry of the stream (<c>XRANGE key - +</c>).</summary>
    public async Task<StreamEntry[]> ReadStreamAsync(string key, int database = 0) => await Database(database).StreamRangeAsync(key);

    private async Task<bool> PongAsync()
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, Port);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (Exception e) when (e is SocketException or IOException)
        {
            return false;
        }
    }

    public async Task DisposeAsync()
    {
        if (_reader is not null) await _reader.DisposeAsync();
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        _dir.Dispose();
    }
}
