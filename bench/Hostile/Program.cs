using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using FalcoHook.Bench.Hostile;

// bench/hostile.sh runs this with the published service: Hostile <FalcoHook.Api.dll> <seconds> <work dir>.
// It starts a webhook receiver and the service (a child process, loopback only), runs the hostile mix, waits
// for every acknowledged good alert at the receiver, and prints one row per kind of request.
if (args.Length != 3) { Console.Error.WriteLine("usage: Hostile <FalcoHook.Api.dll> <seconds> <work dir>"); return 2; }
var (dll, seconds, work) = (args[0], int.Parse(args[1], CultureInfo.InvariantCulture), args[2]);
const int RssLimitMb = 300;

var delivered = new ConcurrentDictionary<string, byte>();
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseUrls("http://127.0.0.1:0");
var receiver = builder.Build();
receiver.MapPost("/falco", async (HttpRequest request) =>
{
    using var alert = await JsonDocument.ParseAsync(request.Body);
    if (alert.RootElement.TryGetProperty("output_fields", out var fields) && fields.TryGetProperty("test.id", out var id))
        delivered[id.GetString()!] = 0;
    return Results.Ok();
});
await receiver.StartAsync();
var receiverUrl = receiver.Urls.First();

var port = FreePort();
var writeKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
var start = new ProcessStartInfo("dotnet") { WorkingDirectory = work, UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
start.ArgumentList.Add(dll);
foreach (var (key, value) in new Dictionary<string, string>
         {
             ["urls"] = $"http://127.0.0.1:{port}",
             ["FalcoHook:Storage:ConnectionString"] = $"Data Source={Path.Combine(work, "falcohook.db")}",
             ["FalcoHook:Rules:Paths:0"] = Path.Combine(work, "rules", "k8s_audit"),
             ["FalcoHook:Destinations:sink:Type"] = "webhook",
             ["FalcoHook:Destinations:sink:Url"] = receiverUrl + "/falco",
             ["FalcoHook:Auth:ApiKeys:0:Name"] = "bench",
             ["FalcoHook:Auth:ApiKeys:0:Key"] = writeKey,
             ["FalcoHook:Auth:ApiKeys:0:Role"] = "write",
             ["FalcoHook:Pipeline:Dedup:Enabled"] = "false",
             ["FalcoHook:Pipeline:Aggregate:Enabled"] = "false",
             ["Logging:LogLevel:Default"] = "Warning",
             ["Logging:LogLevel:FalcoHook.SecurityEvents"] = "None",
         })
    start.ArgumentList.Add($"--{key}={value}");
start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
start.Environment.Remove("ASPNETCORE_URLS");
using var service = Process.Start(start)!;
var log = new ConcurrentQueue<string>();
service.OutputDataReceived += (_, e) => { if (e.Data is { } l) log.Enqueue(l); };
service.ErrorDataReceived += (_, e) => { if (e.Data is { } l) log.Enqueue(l); };
service.BeginOutputReadLine();
service.BeginErrorReadLine();

var baseUrl = new Uri($"http://127.0.0.1:{port}");
using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
var exit = 0;
try
{
    for (var ready = false; !ready;)
    {
        if (service.HasExited) throw new InvalidOperationException("the service exited before it was ready:\n" + string.Join('\n', log));
        try { ready = (await http.GetAsync(new Uri(baseUrl, "/readyz"))).StatusCode == HttpStatusCode.OK; }
        catch (HttpRequestException) { }
        if (!ready) await Task.Delay(250);
    }

    var rss = new List<long>();
    using var sampling = new CancellationTokenSource();
    var sampler = Task.Run(async () =>
    {
        while (!sampling.IsCancellationRequested)
        {
            if (Status(service.Id, "VmRSS") is { } kb) lock (rss) rss.Add(kb);
            try { await Task.Delay(500, sampling.Token); } catch (OperationCanceledException) { }
        }
    });

    var mix = new HostileMix(new MixClient(http, baseUrl, writeKey), goodSenders: 4, hostileSenders: 2);
    Console.Error.WriteLine($"hostile mix for {seconds} s against pid {service.Id}...");
    await mix.RunAsync(TimeSpan.FromSeconds(seconds));
    var drained = Stopwatch.StartNew();
    while (!mix.Acknowledged.Keys.All(delivered.ContainsKey) && drained.Elapsed < TimeSpan.FromSeconds(120) && !service.HasExited) await Task.Delay(250);
    var drainTime = drained.Elapsed;
    var hwm = service.HasExited ? null : Status(service.Id, "VmHWM");
    await sampling.CancelAsync();
    await sampler;

    Console.WriteLine($"| kind | count | statuses | p50 ms | max ms | budget ms | pass |");
    Console.WriteLine($"|---|---:|---|---:|---:|---:|---|");
    foreach (var kind in mix.All)
    {
        var pass = kind.Answers.Count > 0 && kind.Unexpected.Count == 0 && kind.Max <= kind.Kind.Budget;
        if (!pass) exit = 1;
        Console.WriteLine($"| {kind.Kind.Name} | {kind.Answers.Count} | {kind.Statuses} | {kind.Median.TotalMilliseconds:F0} | {kind.Max.TotalMilliseconds:F0} | {kind.Kind.Budget.TotalMilliseconds:F0} | {(pass ? "pass" : "FAIL")} |");
    }
    var missing = mix.Acknowledged.Keys.Where(id => !delivered.ContainsKey(id)).ToList();
    var maxRss = rss.Count == 0 ? 0 : rss.Max() / 1024;
    var hwmMb = (hwm ?? 0) / 1024;
    Console.WriteLine();
    Console.WriteLine($"good alerts: {mix.Acknowledged.Count} acknowledged, {mix.Acknowledged.Count - missing.Count} delivered, {missing.Count} missing " +
                      $"(all at the receiver {drainTime.TotalSeconds:F1} s after the mix ended){(missing.Count > 0 ? " FAIL: " + string.Join(", ", missing.Take(10)) : "")}");
    Console.WriteLine($"service RSS: max sampled VmRSS {maxRss} MB, VmHWM {hwmMb} MB (limit {RssLimitMb} MB) {(hwm is not null && hwmMb < RssLimitMb ? "pass" : "FAIL")}");
    if (missing.Count > 0 || hwm is null || hwmMb >= RssLimitMb) exit = 1;
    if (service.HasExited) { Console.WriteLine($"FAIL: the service exited ({service.ExitCode}):\n" + string.Join('\n', log.TakeLast(40))); exit = 1; }
}
finally
{
    if (!service.HasExited) { service.Kill(entireProcessTree: true); await service.WaitForExitAsync(); }
    await receiver.StopAsync();
}
return exit;

static long? Status(int pid, string field)
{
    try
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return line is null ? null : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
    catch (IOException) { return null; }
}

static int FreePort()
{
    using var listener = new TcpListener(IPAddress.Loopback, 0);
    listener.Start();
    return ((IPEndPoint)listener.LocalEndpoint).Port;
}
