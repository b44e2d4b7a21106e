using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace FalcoHook.Tests.Support;

/// <summary>
/// A real <c>nats-server</c> (Debian's package) of the test's own, with JetStream: <c>nats-server -a 127.0.0.1 -p
/// &lt;free&gt; -js -sd &lt;temp&gt;</c>. Can be stopped and started again on the same port and store folder (the streams
/// and their messages survive). Shared by a test class as a fixture; when the program is absent it starts nothing and
/// each test's <see cref="Require"/> skips it (fails under CI=true). Made with a <see cref="BrokerSecurity"/> it is
/// configured by a file (<c>-c</c>): <c>tls {}</c> with the test CA's server certificate (<c>verify: true</c> for
/// mutual TLS) and <c>authorization {}</c> with the user and password or the token.
/// </summary>
public sealed class NatsServer : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly BrokerSecurity _security;
    private string? _program;
    private Process? _process;

    public NatsServer() : this(new BrokerSecurity())
    {
    }

    internal NatsServer(BrokerSecurity security) => _security = security;

    public int Port { get; } = LocalPorts.Free();

    /// <summary><c>nats://127.0.0.1:port</c>, or <c>tls://…</c> when the server has TLS.</summary>
    public string Url => $"{(_security.Tls ? "tls" : "nats")}://127.0.0.1:{Port}";

    /// <summary>The test CA, the server's and a client's certificates, when the server has TLS.</summary>
    public TestCertificates? Certificates { get; private set; }

    public static string Require() => SystemBinary.Require("nats-server", "nats-server", "/usr/sbin/nats-server", "/usr/bin/nats-server");

    public async Task InitializeAsync()
    {
        _program = SystemBinary.Find("nats-server", "/usr/sbin/nats-server", "/usr/bin/nats-server");
        if (_program is null) return;
        if (_security.Tls) Certificates = TestCertificates.WriteTo(_dir.File("tls"));
        if (_security != new BrokerSecurity()) File.WriteAllText(_dir.File("nats.conf"), Config());
        await StartAgainAsync();
    }

    private string Config()
    {
        var config = new System.Text.StringBuilder();
        if (Certificates is { } tls)
            config.AppendLine(CultureInfo.InvariantCulture, $$"""tls { cert_file: "{{tls.ServerCertificate}}", key_file: "{{tls.ServerKey}}", ca_file: "{{tls.CaFile}}", verify: {{(_security.MutualTls ? "true" : "false")}} }""");
        if (_security.User is { } user) config.AppendLine(CultureInfo.InvariantCulture, $$"""authorization { user: "{{user}}", password: "{{_security.Password}}" }""");
        else if (_security.Token is { } token) config.AppendLine(CultureInfo.InvariantCulture, $$"""authorization { token: "{{token}}" }""");
        return config.ToString();
    }

    /// <summary>Starts nats-server (again) and waits until it answers a PING.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(_program!) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-a", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-js", "-sd", _dir.File("store"), "-n", "falcohook-test" })
            start.ArgumentList.Add(argument);
        if (File.Exists(_dir.File("nats.conf"))) foreach (var argument in new[] { "-c", _dir.File("nats.conf") }) start.ArgumentList.Add(argument);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Eventually.TrueAsync(async () =>
        {
            if (_process.HasExited) throw new InvalidOperationException($"nats-server exited with {_process.ExitCode}");
            try
            {
                await using var probe = new NatsConnection(Opts("probe") with { ConnectTimeout = TimeSpan.FromSeconds(1) });
                await probe.PingAsync();
                return true;
            }
            catch (NatsException)
            {
                return false;
            }
        }, $"nats-server answering on {Url}", TimeSpan.FromSeconds(20));
    }

    /// <summary>Stops nats-server (SIGTERM, as a service stop) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process) return;
        Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(); await process.WaitForExitAsync(); }
    }

    /// <summary>A client connection of the test's own (with the client certificate and credentials the server wants).</summary>
    public NatsConnection Connect() => new(Opts("test-reader"));

    private NatsOpts Opts(string name) => NatsOpts.Default with
    {
        Url = Url,
        Name = name,
        AuthOpts = NatsAuthOpts.Default with { Username = _security.User, Password = _security.Password, Token = _security.Token },
        TlsOpts = Certificates is { } tls
            ? NatsTlsOpts.Default with { Mode = TlsMode.Require, CaFile = tls.CaFile, CertFile = tls.ClientCertificate, KeyFile = tls.ClientKey }
            : NatsTlsOpts.Default,
    };

    /// <summary>Creates the file-stored stream <paramref name="name"/> capturing <paramref name="subjects"/> (the default 2-minute duplicate window).</summary>
    public Task CreateStreamAsync(string name, params string[] subjects) => CreateStreamAsync(new StreamConfig(name, subjects));

    public async Task CreateStreamAsync(StreamConfig config)
    {
        await using var connection = Connect();
        await new NatsJSContext(connection).CreateStreamAsync(config with { Storage = StreamConfigStorage.File });
    }

    /// <summary>Every message in the stream, in stream order (an ordered consumer reading to the last sequence).</summary>
    public async Task<IReadOnlyList<INatsJSMsg<byte[]>>> ReadStreamAsync(string name)
    {
        await using var connection = Connect();
        var js = new NatsJSContext(connection);
        var stream = await js.GetStreamAsync(name);
        var total = (int)stream.Info.State.Messages;
        var consumer = await js.CreateOrderedConsumerAsync(name);
        var messages = new List<INatsJSMsg<byte[]>>(total);
        while (messages.Count < total)
        {
            var before = messages.Count;
            await foreach (var message in consumer.FetchAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = Math.Min(1000, total - messages.Count), Expires = TimeSpan.FromSeconds(5) }))
                messages.Add(message);
            if (messages.Count == before) throw new InvalidOperationException($"stream {name} holds {total} messages, {before} could be read");
        }
        return messages;
    }

    public async Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        _dir.Dispose();
    }
}
