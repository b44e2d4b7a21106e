using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using RabbitMQ.Client;

namespace FalcoHook.Tests.Support;

/// <summary>
/// A real RabbitMQ node (Debian's <c>rabbitmq-server</c>) of the tests' own, shared by a test class: a unique node name,
/// free AMQP, distribution and epmd ports (its own <c>epmd</c>, never the system's on 4369), its database, logs, config
/// and Erlang cookie (<c>HOME</c>) in a temp folder, run as <see cref="SystemBinary.UnprivilegedUser"/> when the tests
/// run as root. <see cref="StopAsync"/> and <see cref="StartAsync"/> stop the node (SIGTERM, as a service stop) and
/// start it again on the same ports and data (an outage); disposal kills the node and its epmd and deletes the folder.
/// When RabbitMQ is not installed nothing starts and each test's <see cref="Require"/> skips it (fails under CI=true).
/// Made with a <see cref="BrokerSecurity"/>, <see cref="Port"/> is a TLS listener (<c>listeners.ssl.default</c>,
/// <c>ssl_options.*</c> with the test CA's server certificate; <c>verify_peer</c> and <c>fail_if_no_peer_cert</c> for
/// mutual TLS) and the config's <c>default_user</c>/<c>default_pass</c> own the virtual host <see cref="VirtualHost"/>.
/// </summary>
public sealed class RabbitMqServer : IAsyncLifetime
{
    private const string Script = "/usr/lib/rabbitmq/bin/rabbitmq-server";
    private readonly ConcurrentQueue<string> _output = new();
    private readonly BrokerSecurity _security;
    private string _root = "";
    private string? _user;
    private Process? _epmd;
    private Process? _node;
    private string[] _environment = [];

    public RabbitMqServer() : this(new BrokerSecurity())
    {
    }

    internal RabbitMqServer(BrokerSecurity security) => _security = security;

    public int Port { get; private set; }

    /// <summary>With a <see cref="BrokerSecurity"/> user: the virtual host its user owns (<c>default_vhost</c>).</summary>
    public const string VirtualHost = "falco-alerts";

    /// <summary>
    /// <c>amqp://guest:guest@127.0.0.1:port/</c> (the default user, allowed from loopback); with a
    /// <see cref="BrokerSecurity"/>, <c>amqps://</c> when it has TLS and its user, password and <see cref="VirtualHost"/>.
    /// </summary>
    public string Url => _security.User is { } user
        ? $"{(_security.Tls ? "amqps" : "amqp")}://{user}:{Uri.EscapeDataString(_security.Password!)}@127.0.0.1:{Port}/{VirtualHost}"
        : $"{(_security.Tls ? "amqps" : "amqp")}://guest:guest@127.0.0.1:{Port}/";

    /// <summary>The test CA, the server's and a client's certificates, when the node has TLS.</summary>
    public TestCertificates? Certificates { get; private set; }

    public bool IsRunning => _node is { HasExited: false };

    /// <summary>The node's script (not Debian's <c>/usr/sbin</c> wrapper, which switches to the system's <c>rabbitmq</c> user and folders).</summary>
    public static string Require() => SystemBinary.Require("rabbitmq-server", "rabbitmq-server", Script);

    public async Task InitializeAsync()
    {
        if (SystemBinary.Find("rabbitmq-server", Script) != Script || SystemBinary.Find("epmd", "/usr/bin/epmd", "/usr/lib/erlang/bin/epmd") is null) return;
        _user = SystemBinary.UnprivilegedUser();
        _root = Path.Combine(Path.GetTempPath(), "falcohook-tests", "rabbitmq-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path.Combine(_root, "home"));
        Port = LocalPorts.Free();
        var node = $"falcohook-{Guid.NewGuid():N}"[..20] + "@localhost";
        var (distPort, epmdPort) = (LocalPorts.Free(), LocalPorts.Free());
        // With TLS, Port is the TLS listener and plain AMQP listens on a port of its own.
        var plainPort = _security.Tls ? LocalPorts.Free() : Port;
        File.WriteAllText(Path.Combine(_root, "rabbitmq.conf"), $"""
            listeners.tcp.1 = 127.0.0.1:{plainPort}
            disk_free_limit.absolute = 1MB
            log.file.level = warning
            {SecurityConfig()}
            """);
        File.WriteAllText(Path.Combine(_root, "enabled_plugins"), "[].");
        File.WriteAllText(Path.Combine(_root, "rabbitmq-env.conf"), "");
        if (_user is not null)
        {
            await RunAsync("chmod", "755", Path.GetDirectoryName(_root)!);
            await RunAsync("chown", "-R", _user, _root);
        }
        _environment = [
            $"HOME={Path.Combine(_root, "home")}",
            $"RABBITMQ_NODENAME={node}",
            $"RABBITMQ_NODE_PORT={plainPort}",
            $"RABBITMQ_DIST_PORT={distPort}",
            $"ERL_EPMD_PORT={epmdPort}",
            $"RABBITMQ_MNESIA_BASE={Path.Combine(_root, "mnesia")}",
            $"RABBITMQ_LOG_BASE={Path.Combine(_root, "log")}",
            $"RABBITMQ_CONFIG_FILE={Path.Combine(_root, "rabbitmq.conf")}",
            $"RABBITMQ_ADVANCED_CONFIG_FILE={Path.Combine(_root, "advanced.config")}",
            $"RABBITMQ_CONF_ENV_FILE={Path.Combine(_root, "rabbitmq-env.conf")}",
            $"RABBITMQ_ENABLED_PLUGINS_FILE={Path.Combine(_root, "enabled_plugins")}",
            $"RABBITMQ_PID_FILE={Path.Combine(_root, "rabbitmq.pid")}",
        ];
        // The node's own epmd, started first so the node registers with it instead of starting a daemon of its own.
        _epmd = Launch(SystemBinary.StartAs(_user, "/usr/bin/env", $"HOME={Path.Combine(_root, "home")}", SystemBinary.Find("epmd", "/usr/bin/epmd", "/usr/lib/erlang/bin/epmd")!,
            "-port", epmdPort.ToString(CultureInfo.InvariantCulture)));
        await StartAsync();
    }

    private string SecurityConfig()
    {
        var lines = new List<string>();
        if (_security.Tls)
        {
            Certificates = TestCertificates.WriteTo(Path.Combine(_root, "tls"));
            lines.AddRange([
                $"listeners.ssl.default = 127.0.0.1:{Port}",
                $"ssl_options.cacertfile = {Certificates.CaFile}",
                $"ssl_options.certfile = {Certificates.ServerCertificate}",
                $"ssl_options.keyfile = {Certificates.ServerKey}",
                $"ssl_options.verify = {(_security.MutualTls ? "verify_peer" : "verify_none")}",
                $"ssl_options.fail_if_no_peer_cert = {(_security.MutualTls ? "true" : "false")}",
            ]);
        }
        if (_security.User is { } user) lines.AddRange([$"default_user = {user}", $"default_pass = {_security.Password}", $"default_vhost = {VirtualHost}"]);
        return string.Join("\n", lines);
    }

    /// <summary>Starts the node (again) and waits until its AMQP port accepts connections.</summary>
    public async Task StartAsync()
    {
        if (IsRunning) return;
        File.Delete(Path.Combine(_root, "rabbitmq.pid"));
        _node = Launch(SystemBinary.StartAs(_user, "/usr/bin/env", [.. _environment, Script]));
        await Eventually.TrueAsync(() => _node.HasExited ? throw new InvalidOperationException($"rabbitmq-server exited with {_node.ExitCode}:\n{Tail()}") : LocalPorts.Listening(Port),
            $"rabbitmq-server listening on 127.0.0.1:{Port}", TimeSpan.FromSeconds(120), Tail);
    }

    /// <summary>Stops the node (SIGTERM to the Erlang VM: a clean shutdown that keeps persistent messages) and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        if (_node is not { HasExited: false } node) return;
        if (int.TryParse(File.Exists(Path.Combine(_root, "rabbitmq.pid")) ? File.ReadAllText(Path.Combine(_root, "rabbitmq.pid")).Trim() : "", out var vm))
            Process.Start("kill", ["-TERM", vm.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
        else
            node.Kill(entireProcessTree: true);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await node.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { node.Kill(entireProcessTree: true); await node.WaitForExitAsync(); }
        await Eventually.TrueAsync(() => !LocalPorts.Listening(Port), $"127.0.0.1:{Port} closed");
    }

    /// <summary>A new connection to the node (for the test's own queues and consumers), with the client certificate when it has TLS.</summary>
    public Task<IConnection> ConnectAsync()
    {
        var factory = new ConnectionFactory { Uri = new Uri(Url) };
        if (Certificates is { } tls)
        {
            var trust = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
            trust.ImportFromPemFile(tls.CaFile);
            factory.Ssl.Certs = [tls.LoadClient()];
            factory.Ssl.CertificateValidationCallback = (_, remote, chain, errors) => Core.Destinations.ClientTls.Trusted(remote, chain, errors, trust);
        }
        return factory.CreateConnectionAsync();
    }

    /// <summary>The last lines the node printed (for a failing test's message).</summary>
    public string Tail() => string.Join('\n', _output.TakeLast(30));

    public async Task DisposeAsync()
    {
        foreach (var process in new[] { _node, _epmd })
        {
            if (process is null) continue;
            try { if (!process.HasExited) process.Kill(entireProcessTree: true); await process.WaitForExitAsync(); }
            catch (InvalidOperationException) { }
            process.Dispose();
        }
        if (_root.Length > 0) try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private Process Launch(ProcessStartInfo start)
    {
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        while (_output.Count > 200) _output.TryDequeue(out _);
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(SystemBinary.StartAs(null, program, arguments))!;
        await process.WaitForExitAsync();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited with {process.ExitCode}");
    }
}
