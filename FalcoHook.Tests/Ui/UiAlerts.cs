using System.Text.Json;

namespace FalcoHook.Tests.Ui;

/// <summary>Falco alerts as Falco's http_output posts them, for the UI tests.</summary>
public static class UiAlerts
{
    public static string Json(string rule, string priority, string output, string hostname = "node-1",
        string source = "syscall", IReadOnlyList<string>? tags = null, IReadOnlyDictionary<string, object?>? fields = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["uuid"] = Guid.NewGuid().ToString(),
            ["output"] = output,
            ["priority"] = priority,
            ["rule"] = rule,
            ["time"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["source"] = source,
            ["hostname"] = hostname,
            ["tags"] = tags ?? ["container", "shell"],
            ["output_fields"] = fields ?? new Dictionary<string, object?> { ["container.id"] = "abc123", ["proc.name"] = "bash" },
        });

    /// <summary>Posts <paramref name="alerts"/> as one array to Falco's <c>POST /</c> and checks it was accepted.</summary>
    public static async Task PostAsync(HttpClient client, params string[] alerts)
    {
        using var content = new StringContent("[" + string.Join(',', alerts) + "]", System.Text.Encoding.UTF8, "application/json");
        using var response = await client.PostAsync("/", content);
        Assert.True(response.IsSuccessStatusCode, $"POST /: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
