using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Support;

/// <summary>
/// The built service (<c>FalcoHook.Api.dll</c>, copied beside the test assembly by the project reference) run as a
/// child process with <c>dotnet</c>, on a free loopback port, with settings given as command-line arguments. Keeps
/// the last lines of its output for failure messages. <see cref="Kill"/> is SIGKILL on Linux.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private const int KeptLines = 200;
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private ServiceProcess(Process process, Uri baseUrl)
    {
        _process = process;
        BaseUrl = baseUrl;
    }

    public Uri BaseUrl { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>The process id (for <c>/proc/&lt;id&gt;/status</c>).</summary>
    public int Id => _process.Id;

    public string RecentOutput => string.Join('\n', _output);

    public static ServiceProcess Start(string workingDirectory, IReadOnlyDictionary<string, string> settings)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "FalcoHook.Api.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException("The service is not beside the tests (project reference to FalcoHook.Api).", dll);
        var port = LocalPorts.Free();
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add($"http://127.0.0.1:{port}");
        foreach (var (key, value) in settings) start.ArgumentList.Add($"--{key}={value}");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment.Remove("ASPNETCORE_URLS");
        start.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var service = new ServiceProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => service.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => service.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return service;
    }

    /// <summary>
    /// How long a start may take: a ceiling, not an expectation. A start takes seconds; on a machine whose cores are
    /// oversubscribed many times over it has taken more than a minute.
    /// </summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Polls <c>/readyz</c> until it answers 200 (rules loaded, store open), failing early if the process exits.</summary>
    public Task WaitUntilReadyAsync(HttpClient client) => WaitUntilReadyAsync(client, ReadyTimeout);

    /// <summary>Polls <c>/readyz</c> until it answers 200 or <paramref name="timeout"/> passes, failing early if the process exits.</summary>
    public Task WaitUntilReadyAsync(HttpClient client, TimeSpan timeout) =>
        Eventually.TrueAsync(async () =>
        {
            ThrowIfExited("before it was ready");
            try
            {
                using var response = await client.GetAsync(new Uri(BaseUrl, "/readyz"));
                return response.StatusCode == HttpStatusCode.OK;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, "the service ready (/readyz 200)", timeout, () => "\n" + RecentOutput);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails at once if the service exits, or at the deadline.</summary>
    public Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan timeout, Func<string>? detail = null) =>
        Eventually.TrueAsync(() =>
        {
            ThrowIfExited($"while waiting for {what}");
            return condition();
        }, what, timeout, () => $"{detail?.Invoke()}\n{RecentOutput}");

    private void ThrowIfExited(string when)
    {
        if (_process.HasExited) throw new InvalidOperationException($"The service exited with {_process.ExitCode} {when}:\n{RecentOutput}");
    }

    /// <summary>SIGKILL (on Linux) to the service and anything it started; returns once it is gone.</summary>
    public void Kill()
    {
        if (_process.HasExited) throw new InvalidOperationException($"The service had exited ({_process.ExitCode}) before the kill:\n{RecentOutput}");
        _process.Kill(entireProcessTree: true);
        if (!_process.WaitForExit(TimeSpan.FromSeconds(30))) throw new TimeoutException("The killed service did not exit.");
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        while (_output.Count > KeptLines) _output.TryDequeue(out _);
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        return Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
    }
}
