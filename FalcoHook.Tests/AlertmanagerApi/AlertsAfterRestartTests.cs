using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.AlertmanagerApi;

/// <summary>
/// <c>/api/v2/alerts</c> reads the alert history: after a restart (a new process on the same data) a routed, a silenced and
/// an inhibited alert are still shown with their state, receivers, silencedBy, inhibitedBy and mutedBy. With the history off it
/// answers from memory.
/// </summary>
public sealed class AlertsAfterRestartTests
{
    private const string Shell = "Terminal shell in container";

    private static FalcoHookFactory Start(TempDirectory dir, FakeReceiver receiver) => new FalcoHookFactory().WithApiKeys()
        .With("FalcoHook:Storage:ConnectionString", $"Data Source={dir.File("falcohook.db")}")
        .With("FalcoHook:Destinations:siem:Type", "webhook")
        .With("FalcoHook:Destinations:siem:Url", receiver.Url("/siem"))
        .With("FalcoHook:Destinations:pager:Type", "webhook")
        .With("FalcoHook:Destinations:pager:Url", receiver.Url("/pager"))
        .With("FalcoHook:Destinations:pager:MuteTimeIntervals:0", "always")
        .With("FalcoHook:TimeIntervals:always:0:Years:0", "2000:2999")
        .With("FalcoHook:Pipeline:Inhibit:0:SourceMatchers:0", "alertname=\"Container escape\"")
        .With("FalcoHook:Pipeline:Inhibit:0:TargetMatchers:0", $"alertname=\"{Shell}\"")
        .With("FalcoHook:Pipeline:Inhibit:0:Equal:0", "hostname")
        .With("FalcoHook:Pipeline:Inhibit:0:Duration", "00:10:00");

    private static async Task<string> SilenceAsync(HttpClient client, string hostname)
    {
        var response = await client.PostAsJsonAsync("/api/v2/silences", new
        {
            matchers = new[] { new { name = "hostname", value = hostname, isRegex = false, isEqual = true } },
            startsAt = DateTimeOffset.UtcNow,
            endsAt = DateTimeOffset.UtcNow.AddHours(1),
            createdBy = "test",
            comment = "restart test",
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("silenceID").GetString()!;
    }

    [Fact]
    public async Task Silenced_and_inhibited_alerts_keep_their_state_across_a_restart()
    {
        using var dir = new TempDirectory();
        await using var receiver = await FakeReceiver.StartAsync();
        string silenceId, escape;
        using (var first = Start(dir, receiver))
        {
            var client = first.Client();
            silenceId = await SilenceAsync(client, "node-2");
            await AmAlerts.PostAsync(first, client,
                AmAlerts.Json(Shell, "node-1"), AmAlerts.Json(Shell, "node-2"), AmAlerts.Json("Container escape", "node-3"), AmAlerts.Json(Shell, "node-3"));
            escape = (await AmAlerts.ByHostAsync(client, "Container escape"))["node-3"].GetProperty("fingerprint").GetString()!;
            await receiver.WaitForRequestsAsync(2);
        }
        dir.ClosePooledConnections();

        using var second = Start(dir, receiver);
        var after = second.Client(FalcoHookFactory.ReadKey);
        var shells = await AmAlerts.ByHostAsync(after, Shell);
        Assert.Equal(["node-1", "node-2", "node-3"], shells.Keys.Order(StringComparer.Ordinal));

        var routed = shells["node-1"];
        Assert.Equal("active", routed.GetProperty("status").GetProperty("state").GetString());
        Assert.Equal(["siem"], AmAlerts.Strings(routed, "receivers"));
        Assert.Equal(["always"], AmAlerts.Strings(routed.GetProperty("status"), "mutedBy")); // pager's delivery was muted

        var silenced = shells["node-2"].GetProperty("status");
        Assert.Equal("suppressed", silenced.GetProperty("state").GetString());
        Assert.Equal([silenceId], AmAlerts.Strings(silenced, "silencedBy"));
        Assert.Empty(AmAlerts.Strings(silenced, "inhibitedBy"));

        var inhibited = shells["node-3"].GetProperty("status");
        Assert.Equal("suppressed", inhibited.GetProperty("state").GetString());
        Assert.Equal([escape], AmAlerts.Strings(inhibited, "inhibitedBy"));
        Assert.Empty(AmAlerts.Strings(inhibited, "silencedBy"));

        // The query parameters select on the state read back.
        Assert.Equal(["node-1"], (await AmAlerts.ByHostAsync(after, Shell, "?silenced=false&inhibited=false")).Keys);
        Assert.Equal(["node-2", "node-3"], (await AmAlerts.ByHostAsync(after, Shell, "?active=false")).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task With_the_history_off_the_alerts_come_from_memory()
    {
        using var dir = new TempDirectory();
        await using var receiver = await FakeReceiver.StartAsync();
        using var factory = Start(dir, receiver).With("FalcoHook:Events:Enabled", "false");
        var client = factory.Client();
        var silenceId = await SilenceAsync(client, "node-2");
        await AmAlerts.PostAsync(factory, client, AmAlerts.Json(Shell, "node-1"), AmAlerts.Json(Shell, "node-2"));

        var shells = await AmAlerts.ByHostAsync(client, Shell);
        Assert.Equal(["siem"], AmAlerts.Strings(shells["node-1"], "receivers"));
        Assert.Equal([silenceId], AmAlerts.Strings(shells["node-2"].GetProperty("status"), "silencedBy"));
    }
}
