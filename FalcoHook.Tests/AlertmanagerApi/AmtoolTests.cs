using System.Diagnostics;
using System.Text;
using FalcoHook.Tests.Support;
using Xunit.Abstractions;

namespace FalcoHook.Tests.AlertmanagerApi;

/// <summary>
/// The real <c>amtool</c> (Debian's prometheus-alertmanager) against FalcoHook run as its own process on a real port,
/// authenticated the way amtool does it (<c>--http.config.file</c> with a Bearer credential): a silence added with
/// amtool is listed by amtool, silences the next matching Falco alert, and is expired by amtool; <c>amtool alert
/// query</c> lists the recent Falco alerts with their labels.
/// </summary>
public sealed class AmtoolTests(ITestOutputHelper output)
{
    [SkippableFact]
    public async Task Amtool_adds_queries_and_expires_silences_and_lists_falco_alerts()
    {
        var amtool = SystemBinary.Require("amtool", "prometheus-alertmanager", "/usr/bin/amtool");
        using var dir = new TempDirectory();
        await using var receiver = await FakeReceiver.StartAsync();
        var key = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        await using var service = ServiceProcess.Start(dir.Path, new Dictionary<string, string>
        {
            ["FalcoHook:Storage:ConnectionString"] = $"Data Source={dir.File("falcohook.db")}",
            ["FalcoHook:Destinations:siem:Type"] = "webhook",
            ["FalcoHook:Destinations:siem:Url"] = receiver.Url("/siem"),
            ["FalcoHook:Auth:ApiKeys:0:Name"] = "amtool",
            ["FalcoHook:Auth:ApiKeys:0:Key"] = key,
            ["FalcoHook:Auth:ApiKeys:0:Role"] = "write",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        using var http = new HttpClient();
        await service.WaitUntilReadyAsync(http);
        var config = dir.File("http.yml");
        await File.WriteAllTextAsync(config, $"authorization:\n  type: Bearer\n  credentials: {key}\n");
        string[] common = [$"--alertmanager.url={service.BaseUrl}", $"--http.config.file={config}"];

        // Without the key, FalcoHook refuses amtool.
        var refused = await RunAsync(amtool, [$"--alertmanager.url={service.BaseUrl}", "silence", "query"]);
        Assert.NotEqual(0, refused.ExitCode);

        var added = await RunAsync(amtool, [.. common, "silence", "add", "hostname=node-7", "alertname=Terminal shell in container",
            "--comment=amtool test", "--author=ops", "--duration=1h"]);
        Assert.Equal(0, added.ExitCode);
        var id = added.Output.Trim();
        Assert.True(Guid.TryParse(id, out _), $"amtool silence add printed '{added.Output}'");

        var query = await RunAsync(amtool, [.. common, "silence", "query"]);
        Assert.Equal(0, query.ExitCode);
        Assert.Contains(id, query.Output, StringComparison.Ordinal);
        Assert.Contains("hostname=\"node-7\"", query.Output, StringComparison.Ordinal);
        Assert.Contains("amtool test", query.Output, StringComparison.Ordinal);
        var filtered = await RunAsync(amtool, [.. common, "silence", "query", "-q", "hostname=node-8"]);
        Assert.Equal("", filtered.Output.Trim());

        // The next matching alert is silenced; the other one is delivered.
        await PostAsync(http, service.BaseUrl, AmAlerts.Json("Terminal shell in container", "node-7"), AmAlerts.Json("Terminal shell in container", "node-8"));
        var delivered = await receiver.WaitForRequestsAsync(1);
        Assert.Equal("node-8", delivered[0].Json.GetProperty("hostname").GetString());

        // amtool shows the alerts that are not suppressed by default, and (-s) only the silenced ones when asked. It reads
        // the history, which stores the alerts behind the pipeline: a moment after the delivery.
        var unsilenced = (ExitCode: 0, Output: "", Error: "");
        await Eventually.TrueAsync(async () =>
        {
            unsilenced = await RunAsync(amtool, [.. common, "alert", "query", "-o", "extended", "alertname=Terminal shell in container"]);
            return unsilenced.Output.Contains("hostname=\"node-8\"", StringComparison.Ordinal);
        }, "amtool lists node-8's alert");
        Assert.Contains("hostname=\"node-8\"", unsilenced.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("hostname=\"node-7\"", unsilenced.Output, StringComparison.Ordinal);
        Assert.Contains("k8s_ns_name=\"shop\"", unsilenced.Output, StringComparison.Ordinal);
        Assert.Contains("priority=\"Critical\"", unsilenced.Output, StringComparison.Ordinal);
        Assert.Contains("source=\"falco\"", unsilenced.Output, StringComparison.Ordinal);
        Assert.Contains("summary=\"Terminal shell in container on node-8\"", unsilenced.Output, StringComparison.Ordinal);
        var silenced = (ExitCode: 0, Output: "", Error: "");
        await Eventually.TrueAsync(async () =>
        {
            silenced = await RunAsync(amtool, [.. common, "alert", "query", "-o", "extended", "-s"]);
            return silenced.Output.Contains("hostname=\"node-7\"", StringComparison.Ordinal);
        }, "amtool lists node-7's silenced alert");
        Assert.Contains("hostname=\"node-7\"", silenced.Output, StringComparison.Ordinal);
        Assert.Contains("suppressed", silenced.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("hostname=\"node-8\"", silenced.Output, StringComparison.Ordinal);

        var expired = await RunAsync(amtool, [.. common, "silence", "expire", id]);
        Assert.Equal(0, expired.ExitCode);
        var after = await RunAsync(amtool, [.. common, "silence", "query", "-q"]);
        Assert.DoesNotContain(id, after.Output, StringComparison.Ordinal);
        var withExpired = await RunAsync(amtool, [.. common, "silence", "query", "--expired", "-q"]);
        Assert.Contains(id, withExpired.Output, StringComparison.Ordinal);
    }

    private static async Task PostAsync(HttpClient http, Uri baseUrl, params string[] alerts)
    {
        foreach (var alert in alerts)
        {
            using var body = new StringContent(alert, Encoding.UTF8, "application/json");
            (await http.PostAsync(baseUrl, body)).EnsureSuccessStatusCode();
        }
    }

    private async Task<(int ExitCode, string Output, string Error)> RunAsync(string program, string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["HOME"] = Path.GetTempPath(); // amtool reads ~/.config/amtool/config.yml; none here
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        var result = (process.ExitCode, await stdout, await stderr);
        output.WriteLine($"$ amtool {string.Join(' ', arguments.Where(a => !a.StartsWith("--http.config", StringComparison.Ordinal)))}\n{result.Item2}{result.Item3}");
        return result;
    }
}
