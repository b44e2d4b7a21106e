using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace FalcoHook.Tests.Support;

/// <summary>
/// Debian's <c>prometheus-alertmanager</c>, started once per test class: a minimal configuration (one receiver
/// that notifies nobody), its storage in a temp folder, a free port on 127.0.0.1 and no cluster gossip. When the
/// program is absent the fixture starts nothing and each test's <see cref="Require"/> skips it (fails under CI=true).
/// </summary>
public sealed class AlertmanagerServer : IAsyncLifetime
{
    private const string Config = """
        route:
          receiver: nobody
          group_wait: 1h
        receivers:
          - name: nobody
        """;

    private readonly TempDirectory _dir = new();
    private readonly HttpClient _http = new();
    private Process? _process;

    /// <summary><c>http://127.0.0.1:port</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    public void Require() => SystemBinary.Require("prometheus-alertmanager", "prometheus-alertmanager");

    public async Task InitializeAsync()
    {
        var program = SystemBinary.Find("prometheus-alertmanager");
        if (program is null) return;
        File.WriteAllText(_dir.File("alertmanager.yml"), Config);
        var port = LocalPorts.Free();
        BaseUrl = new Uri($"http://127.0.0.1:{port}");
        var start = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[$"--config.file={_dir.File("alertmanager.yml")}", $"--storage.path={_dir.File("data")}",
                     $"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=", "--log.level=warn"])
            start.ArgumentList.Add(argument);
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await Eventually.TrueAsync(async () =>
        {
            if (_process.HasExited) throw new InvalidOperationException($"prometheus-alertmanager exited with {_process.ExitCode}");
            try { return (await _http.GetAsync(new Uri(BaseUrl, "/-/ready"))).IsSuccessStatusCode; }
            catch (HttpRequestException) { return false; }
        }, "prometheus-alertmanager ready");
    }

    /// <summary>The active alerts whose <c>alertname</c> is <paramref name="alertname"/> (<c>GET /api/v2/alerts</c>).</summary>
    public async Task<IReadOnlyList<JsonElement>> AlertsAsync(string alertname)
    {
        var filter = Uri.EscapeDataString($"alertname=\"{alertname}\"");
        var json = await _http.GetFromJsonAsync<JsonElement>(new Uri(BaseUrl, $"/api/v2/alerts?filter={filter}"));
        return [.. json.EnumerateArray()];
    }

    public Task DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
        _process?.Dispose();
        _http.Dispose();
        _dir.Dispose();
        return Task.CompletedTask;
    }
}
