using System.Text;
using System.Text.Json;
using FalcoHook.Core.Ingest;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace FalcoHook.Tests.AlertmanagerApi;

/// <summary>Falco alerts as Falco posts them, for the /api/v2 tests.</summary>
public static class AmAlerts
{
    public static string Json(string rule, string hostname, string priority = "Critical", string ns = "shop", string output = "") =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["rule"] = rule,
            ["priority"] = priority,
            ["time"] = DateTimeOffset.UtcNow.ToString("O"), // /api/v2/alerts shows the alerts of the last hour by their time
            ["source"] = "syscall",
            ["hostname"] = hostname,
            ["output"] = output.Length > 0 ? output : $"{rule} on {hostname}",
            ["tags"] = new[] { "container", "shell" },
            ["output_fields"] = new Dictionary<string, string> { ["k8s.ns.name"] = ns, ["container.id"] = "c0ffee", ["proc.name"] = "bash" },
        });

    /// <summary>Posts the alerts to <c>POST /</c> and waits until the pipeline has handled them.</summary>
    public static async Task PostAsync(FalcoHookFactory factory, HttpClient client, params string[] alerts)
    {
        var before = factory.Recorder.Total;
        using var body = new StringContent($"[{string.Join(",", alerts)}]", Encoding.UTF8, "application/json");
        var response = await client.PostAsync("/", body);
        Assert.True(response.IsSuccessStatusCode, $"POST / answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        await Eventually.TrueAsync(() => factory.Recorder.Total >= before + alerts.Length, $"{alerts.Length} alert(s) through the pipeline");
        // /api/v2/alerts reads the history, which is stored behind the pipeline: wait until it has them.
        await HistoryCaughtUp.WaitAsync(factory.Services);
    }

    /// <summary>The <c>/api/v2/alerts</c> entries of <paramref name="rule"/>, by hostname.</summary>
    public static async Task<Dictionary<string, JsonElement>> ByHostAsync(HttpClient client, string rule, string query = "")
    {
        var alerts = JsonDocument.Parse(await client.GetStringAsync($"/api/v2/alerts{query}")).RootElement.Clone();
        return alerts.EnumerateArray()
            .Where(a => a.GetProperty("labels").GetProperty("alertname").GetString() == rule)
            .ToDictionary(a => a.GetProperty("labels").GetProperty("hostname").GetString()!);
    }

    /// <summary>The strings of a JSON array property.</summary>
    public static List<string> Strings(JsonElement element, string property) =>
        [.. element.GetProperty(property).EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Object ? e.GetProperty("name").GetString()! : e.GetString()!)];
}
