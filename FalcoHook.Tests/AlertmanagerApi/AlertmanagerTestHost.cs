using System.Text;
using System.Text.Json;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.AlertmanagerApi;

/// <summary>Falco alerts as Falco posts them, for the /api/v2 tests.</summary>
public static class AmAlerts
{
    public static string Json(string rule, string hostname, string priority = "Critical", string ns = "shop", string output = "") =>
        JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["rule"] = rule,
            ["priority"] = priority,
            ["time"] = "2026-12-01T10:00:00Z",
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
    }
}
