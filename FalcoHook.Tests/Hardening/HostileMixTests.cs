using System.Collections.Concurrent;
using System.Globalization;
using FalcoHook.Bench.Hostile;
using FalcoHook.Tests.Durability;
using FalcoHook.Tests.Support;
using Xunit.Abstractions;

namespace FalcoHook.Tests.Hardening;

/// <summary>
/// Issue 14's hostile requests (bench/Hostile/Mix, the same code as bench/hostile.sh) sent for a few seconds alongside
/// good alerts, against the service as a real child process: every acknowledged alert is delivered, every hostile
/// request gets its documented answer, and memory stays bounded. Latency budgets are the bench script's to check.
/// </summary>
[Collection(CrashCollection.Name)] // a child process under load: it runs with the crash tests, none in parallel
public sealed class HostileMixTests(ITestOutputHelper output)
{
    private static readonly TimeSpan MixDuration = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Pause = TimeSpan.FromMilliseconds(20);
    private const long RssLimitKb = 300 * 1024;

    [Fact]
    public async Task Under_the_hostile_mix_good_alerts_are_delivered_hostile_requests_get_their_4xx_and_memory_stays_under_300_MB()
    {
        using var dir = new TempDirectory();
        await using var receiver = await FakeReceiver.StartAsync();
        var delivered = new ConcurrentDictionary<string, byte>();
        receiver.Responder = request =>
        {
            delivered[request.Json.GetProperty("output_fields").GetProperty("test.id").GetString()!] = 0;
            return new FakeResponse(200);
        };
        var writeKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        await using var service = ServiceProcess.Start(dir.Path, new Dictionary<string, string>
        {
            ["FalcoHook:Storage:ConnectionString"] = $"Data Source={dir.File("falcohook.db")}",
            ["FalcoHook:Destinations:sink:Type"] = "webhook",
            ["FalcoHook:Destinations:sink:Url"] = receiver.Url("/falco"),
            ["FalcoHook:Auth:ApiKeys:0:Name"] = "mix",
            ["FalcoHook:Auth:ApiKeys:0:Key"] = writeKey,
            ["FalcoHook:Auth:ApiKeys:0:Role"] = "write",
            ["FalcoHook:Pipeline:Dedup:Enabled"] = "false",
            ["FalcoHook:Pipeline:Aggregate:Enabled"] = "false",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:FalcoHook.SecurityEvents"] = "None",
        });
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        await service.WaitUntilReadyAsync(http);

        var mix = new HostileMix(new MixClient(http, service.BaseUrl, writeKey), goodSenders: 2, hostileSenders: 1, Pause);
        await mix.RunAsync(MixDuration);
        await service.WaitUntilAsync(() => mix.Acknowledged.Keys.All(delivered.ContainsKey), "every acknowledged good alert at the webhook",
            TimeSpan.FromSeconds(60), () => $"missing: {string.Join(", ", mix.Acknowledged.Keys.Where(id => !delivered.ContainsKey(id)).Take(20))}");
        var hwmKb = PeakRssKb(service.Id);

        foreach (var kind in mix.All)
            output.WriteLine($"{kind.Kind.Name}: {kind.Answers.Count} answers, {kind.Statuses}");
        output.WriteLine($"{mix.Acknowledged.Count} good alerts acknowledged and delivered; VmHWM {hwmKb / 1024} MB");

        Assert.NotEmpty(mix.Acknowledged);
        Assert.All(mix.All, kind =>
        {
            Assert.True(kind.Answers.Count > 0, $"{kind.Kind.Name} was never answered");
            // Includes 5xx (a 503 without Retry-After is recorded as -503) and requests that got no answer (-1).
            Assert.True(kind.Unexpected.Count == 0, $"{kind.Kind.Name}: expected {string.Join("/", kind.Kind.Expected)}, got {kind.Statuses}");
        });
        Assert.True(hwmKb < RssLimitKb, $"the service's peak RSS was {hwmKb / 1024} MB");
        Assert.False(service.HasExited);
    }

    private static long PeakRssKb(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
