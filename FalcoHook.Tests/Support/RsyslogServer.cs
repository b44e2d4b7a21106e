using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FalcoHook.Tests.Support;

/// <summary>
/// A real rsyslogd (Debian's package) of the test's own: its own config, TCP and UDP ports on 127.0.0.1 and pid file in a
/// temp folder (<c>rsyslogd -n -f conf -i pidfile</c>), writing every message it parses to a file as
/// <c>facility|severity|hostname|programname|timereported|msg</c>. Can be stopped and started again on the same ports.
/// </summary>
public sealed class RsyslogServer : IAsyncDisposable
{
    private readonly string _program;
    private readonly TempDirectory _dir = new();
    private Process? _process;

    private RsyslogServer(string program)
    {
        _program = program;
        TcpPort = FreePort(SocketType.Stream, ProtocolType.Tcp);
        UdpPort = FreePort(SocketType.Dgram, ProtocolType.Udp);
        OutputFile = _dir.File("messages.log");
        File.WriteAllText(_dir.File("rsyslog.conf"), $$"""
            global(workDirectory="{{_dir.Path}}" maxMessageSize="64k")
            module(load="imtcp")
            module(load="imudp")
            input(type="imtcp" address="127.0.0.1" port="{{TcpPort}}")
            input(type="imudp" address="127.0.0.1" port="{{UdpPort}}")
            template(name="fields" type="string" string="%syslogfacility-text%|%syslogseverity-text%|%hostname%|%programname%|%timereported:::date-rfc3339%|%msg%\n")
            action(type="omfile" file="{{OutputFile}}" template="fields" flushOnTXEnd="on" asyncWriting="off")
            """);
    }

    public int TcpPort { get; }
    public int UdpPort { get; }
    public string OutputFile { get; }

    /// <summary>The lines written so far.</summary>
    public IReadOnlyList<string> Lines => File.Exists(OutputFile) ? File.ReadAllLines(OutputFile) : [];

    public static async Task<RsyslogServer> StartAsync()
    {
        var program = SystemBinary.Require("rsyslogd", "rsyslog", "/usr/sbin/rsyslogd");
        var server = new RsyslogServer(program);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts rsyslogd (again) and waits until its TCP port accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        var start = new ProcessStartInfo(_program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-n", "-f", _dir.File("rsyslog.conf"), "-i", _dir.File("rsyslogd.pid") }) start.ArgumentList.Add(argument);
        _process = Process.Start(start)!;
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Eventually.TrueAsync(() => Listening(), $"rsyslogd listening on 127.0.0.1:{TcpPort}", TimeSpan.FromSeconds(20));
    }

    /// <summary>Stops rsyslogd (SIGTERM, as a service stop) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } process) return;
        Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { process.Kill(); await process.WaitForExitAsync(); }
    }

    private bool Listening()
    {
        if (_process is { HasExited: true }) throw new InvalidOperationException($"rsyslogd exited with {_process.ExitCode}");
        try
        {
            using var probe = new TcpClient();
            probe.Connect(IPAddress.Loopback, TcpPort);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FreePort(SocketType type, ProtocolType protocol)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, type, protocol);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
        _dir.Dispose();
    }
}
