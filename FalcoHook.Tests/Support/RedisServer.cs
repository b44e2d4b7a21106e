using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace FalcoHook.Tests.Support;

/// <summary>
/// A real <c>redis-server</c> (Debian's package) of the test's own on 127.0.0.1 and a free port, its data in a temp
/// folder: no RDB snapshots, an append-only file written through on every command (<c>--appendonly yes --appendfsync
/// always</c>), so what it acknowledged survives a stop. Can be stopped and started again on the same port and folder.
/// Shared by a test class as a fixture; when the program is absent it starts nothing and each test's
/// <see cref="Require"/> skips it (fails under CI=true). Made with a <see cref="BrokerSecurity"/> it listens with TLS
/// only (<c>--port 0 --tls-port</c>, the test CA's server certificate, <c>--tls-auth-clients</c> for mutual TLS) and
/// has the ACL user with the password while the <c>default</c> user is off.
/// </summary>
public sealed class RedisServer : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly BrokerSecurity _security;
    private string? _program;
    private Process? _process;
    private ConnectionMultiplexer? _reader;

    public RedisServer() : this(new BrokerSecurity())
    {
    }

    internal RedisServer(BrokerSecurity security) => _security = security;

    public int Port { get; } = LocalPorts.Free();

    /// <summary><c>redis://127.0.0.1:port</c>, or <c>rediss://…</c> when the server has TLS.</summary>
    public string Url => $"{(_security.Tls ? "rediss" : "redis")}://127.0.0.1:{Port}";

    /// <summary>The test CA, the server's and a client's certificates, when the server has TLS.</summary>
    public TestCertificates? Certificates { get; private set; }

    public static string Require() => SystemBinary.Require("redis-server", "redis-server", "/usr/bin/redis-server");

    public async Task InitializeAsync()
    {
        _program = SystemBinary.Find("redis-server", "/usr/bin/redis-server");
        if (_program is null) return;
        if (_security.Tls) Certificates = TestCertificates.WriteTo(_dir.File("tls"));
        await StartAgainAsync();
    }

    /// <summary>Starts redis-server (again) and waits until it answers PING with PONG (its data loaded).</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(_program!) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--bind", "127.0.0.1", "--dir", _dir.Path, "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no", "--loglevel", "warning" })
            start.ArgumentList.Add(argument);
        var port = Port.ToString(CultureInfo.InvariantCulture);
        string[] listen = Certificates is { } tls
            ? ["--port", "0", "--tls-port", port, "--tls-cert-file", tls.ServerCertificate, "--tls-key-file", tls.ServerKey, "--tls-ca-cert-file", tls.CaFile,
                "--tls-auth-clients", _security.MutualTls ? "yes" : "no"]
            : ["--port", port];
        foreach (var argument in listen) start.ArgumentList.Add(argument);
        if (_security.User is { } user)
            foreach (var argument in new[] { "--user", user, "on", ">" + _security.Password, "~*", "&*", "+@all", "--user", "default", "off" })
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

    /// <summary>The test's own client (one, kept), with the client certificate and credentials the server wants.</summary>
    public IDatabase Database(int index = 0)
    {
        if (_reader is null)
        {
            var options = new ConfigurationOptions { EndPoints = { { "127.0.0.1", Port } }, AbortOnConnectFail = false, User = _security.User, Password = _security.Password };
            if (Certificates is { } tls)
            {
                options.Ssl = true;
                options.TrustIssuer(tls.CaFile);
                var client = tls.LoadClient();
                options.CertificateSelection += (_, _, _, _, _) => client;
            }
            _reader = ConnectionMultiplexer.Connect(options);
        }
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
            Stream stream = client.GetStream();
            if (Certificates is { } tls)
            {
                // Only whether the server is up: its certificate is the test's own, checked by the tests themselves.
                var secure = new SslStream(stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
                await secure.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "localhost", ClientCertificates = [tls.LoadClient()] });
                stream = secure;
            }
            await using var _ = stream;
            await stream.WriteAsync("PING\r\n"u8.ToArray());
            var buffer = new byte[64];
            var read = await stream.ReadAsync(buffer);
            // A server whose default user is off answers NOAUTH: it is up.
            return Encoding.ASCII.GetString(buffer, 0, read) is var answer && (answer.StartsWith("+PONG", StringComparison.Ordinal) || answer.StartsWith("-NOAUTH", StringComparison.Ordinal));
        }
        catch (Exception e) when (e is SocketException or IOException or System.Security.Authentication.AuthenticationException)
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
