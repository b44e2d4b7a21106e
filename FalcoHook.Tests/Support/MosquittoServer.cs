using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace FalcoHook.Tests.Support;

/// <summary>
/// A real Mosquitto broker (Debian's <c>mosquitto</c>) of the tests' own, shared by a test class: its config, a free
/// loopback port and its persistence file in a temp folder, anonymous clients allowed, no limit on the messages it
/// queues for an offline persistent session. Run as root it drops to <see cref="SystemBinary.UnprivilegedUser"/> (its
/// <c>user</c> option; it refuses to keep running as root). <see cref="StopAsync"/> and <see cref="StartAsync"/> stop
/// the broker (SIGTERM: it saves its sessions and queued messages) and start it again on the same port and file; disposal
/// kills it and deletes the folder. When Mosquitto is not installed nothing starts and <see cref="Require"/> skips the test.
/// Made with a <see cref="BrokerSecurity"/>, its listener has TLS (<c>cafile</c>, <c>certfile</c>, <c>keyfile</c> from
/// the test CA; <c>require_certificate</c> for mutual TLS) and its user is in a <c>password_file</c> made with
/// <c>mosquitto_passwd -b</c>, anonymous clients refused.
/// </summary>
public sealed class MosquittoServer : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _output = new();
    private readonly BrokerSecurity _security;
    private string _program = "";
    private string _root = "";
    private Process? _process;

    public MosquittoServer() : this(new BrokerSecurity())
    {
    }

    internal MosquittoServer(BrokerSecurity security) => _security = security;

    public int Port { get; private set; }

    /// <summary><c>mqtt://127.0.0.1:port</c>, or <c>mqtts://…</c> when the listener has TLS.</summary>
    public string Url => $"{(_security.Tls ? "mqtts" : "mqtt")}://127.0.0.1:{Port}";

    /// <summary>The test CA, the server's and a client's certificates, when the listener has TLS.</summary>
    public TestCertificates? Certificates { get; private set; }

    public static string Require() => SystemBinary.Require("mosquitto", "mosquitto", "/usr/sbin/mosquitto");

    public async Task InitializeAsync()
    {
        if (SystemBinary.Find("mosquitto", "/usr/sbin/mosquitto") is not { } program) return;
        _program = program;
        var user = SystemBinary.UnprivilegedUser();
        _root = Path.Combine(Path.GetTempPath(), "falcohook-tests", "mosquitto-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_root);
        Port = LocalPorts.Free();
        File.WriteAllText(Path.Combine(_root, "mosquitto.conf"), $"""
            {(user is null ? "" : $"user {user}")}
            listener {Port} 127.0.0.1
            {await SecurityConfigAsync()}
            persistence true
            persistence_location {_root}/
            max_queued_messages 0
            log_dest stdout
            log_type error
            log_type warning
            """);
        if (user is not null)
        {
            await RunAsync("chmod", "755", Path.GetDirectoryName(_root)!);
            await RunAsync("chown", "-R", user, _root);
        }
        await StartAsync();
    }

    private async Task<string> SecurityConfigAsync()
    {
        var lines = new List<string>();
        if (_security.Tls)
        {
            Certificates = TestCertificates.WriteTo(Path.Combine(_root, "tls"));
            lines.AddRange([$"cafile {Certificates.CaFile}", $"certfile {Certificates.ServerCertificate}", $"keyfile {Certificates.ServerKey}",
                $"require_certificate {(_security.MutualTls ? "true" : "false")}"]);
        }
        if (_security.User is { } user)
        {
            var passwords = Path.Combine(_root, "passwd");
            await RunAsync(SystemBinary.Find("mosquitto_passwd", "/usr/bin/mosquitto_passwd") ?? "mosquitto_passwd", "-c", "-b", passwords, user, _security.Password!);
            lines.AddRange(["allow_anonymous false", $"password_file {passwords}"]);
        }
        else lines.Add("allow_anonymous true");
        return string.Join("\n", lines);
    }

    /// <summary>A client of the test's own: the broker's port, with the client certificate and credentials it wants.</summary>
    public MQTTnet.MqttClientOptionsBuilder ClientOptions()
    {
        var builder = new MQTTnet.MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", Port);
        if (_security.User is { } user) builder = builder.WithCredentials(user, _security.Password);
        if (Certificates is { } tls)
        {
            var trust = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
            trust.ImportFromPemFile(tls.CaFile);
            var client = tls.LoadClient();
            builder = builder.WithTlsOptions(o => o.UseTls().WithClientCertificates([client])
                .WithCertificateValidationHandler(e => Core.Destinations.ClientTls.Trusted(e.Certificate, e.Chain, e.SslPolicyErrors, trust)));
        }
        return builder;
    }

    /// <summary>Starts the broker (again) and waits until its port accepts connections.</summary>
    public async Task StartAsync()
    {
        if (_process is { HasExited: false }) return;
        _process?.Dispose();
        var start = new ProcessStartInfo(_program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(Path.Combine(_root, "mosquitto.conf"));
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var process = _process;
        await Eventually.TrueAsync(() => process.HasExited ? throw new InvalidOperationException($"mosquitto exited with {process.ExitCode}:\n{Tail()}") : LocalPorts.Listening(Port),
            $"mosquitto listening on 127.0.0.1:{Port}", TimeSpan.FromSeconds(30));
    }

    /// <summary>Stops the broker (SIGTERM, as a service stop: it writes its sessions and queued messages to its file) and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process) return;
        Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(); await process.WaitForExitAsync(); }
    }

    public string Tail() => string.Join('\n', _output.TakeLast(30));

    public async Task DisposeAsync()
    {
        if (_process is not null)
        {
            if (!_process.HasExited) { _process.Kill(); await _process.WaitForExitAsync(); }
            _process.Dispose();
        }
        if (_root.Length > 0) try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
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
