using System.Text.Json;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Destinations;

/// <summary><c>Type: splunk</c> against a fake HTTP Event Collector as documented (tested against the documented API; no Splunk runs here).</summary>
public sealed class SplunkDeliveryTests
{
    [Fact]
    public async Task A_batch_is_one_hec_request_of_concatenated_events_with_the_splunk_token()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = FakeResponse.Ok("{\"text\":\"Success\",\"code\":0}");
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:siem:Type"] = "splunk",
            ["FalcoHook:Destinations:siem:Url"] = receiver.Url("/"),
            ["FalcoHook:Destinations:siem:Token"] = "8c7b1a1e-0b7b-4b5c-9f62-1b2c3d4e5f60",
            ["FalcoHook:Destinations:siem:Index"] = "security",
        });
        var notifications = Enumerable.Range(1, 3).Select(n => TestAlerts.Notification(n)).ToList();

        await host.Outbox.EnqueueAsync(notifications.Select(n => new RoutedNotification(n, ["siem"])).ToList(), CancellationToken.None);
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        await Eventually.TrueAsync(async () => (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered) == 3, "all delivered");

        Assert.Equal("POST", request.Method);
        Assert.Equal("/services/collector/event", request.Path);
        Assert.Equal("Splunk 8c7b1a1e-0b7b-4b5c-9f62-1b2c3d4e5f60", request.Header("Authorization"));
        var events = Events(request.BodyText);
        Assert.Equal(3, events.Count);
        var first = events.Single(e => e.GetProperty("event").GetProperty("output").GetString() == notifications[0].Alert.Output);
        Assert.Equal(1685022245.478m, first.GetProperty("time").GetDecimal());
        Assert.Equal("falco-xczjd", first.GetProperty("host").GetString());
        Assert.Equal("falco", first.GetProperty("sourcetype").GetString());
        Assert.Equal("falcohook", first.GetProperty("source").GetString());
        Assert.Equal("security", first.GetProperty("index").GetString());
        Assert.Equal(notifications[0].Alert.ToJson(), first.GetProperty("event").GetRawText());
    }

    [Fact]
    public async Task A_busy_collector_makes_the_batch_retry_and_a_bad_token_makes_it_dead()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Script(new FakeResponse(503, "{\"text\":\"Server is busy\",\"code\":9}"));
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:siem:Type"] = "splunk",
            ["FalcoHook:Destinations:siem:Url"] = receiver.Url("/"),
            ["FalcoHook:Destinations:siem:Token"] = "token-123456789",
        });

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "siem")).Single();
        Assert.Equal(2, (await host.WaitForStateAsync(id, DeliveryState.Delivered)).Attempts);

        receiver.Default = new FakeResponse(403, "{\"text\":\"Invalid token\",\"code\":4}");
        var refused = (await host.EnqueueAsync(TestAlerts.Notification(2), "siem")).Single();
        var dead = await host.WaitForStateAsync(refused, DeliveryState.Dead);
        Assert.Contains("Invalid token", dead.LastError);
        Assert.DoesNotContain("token-123456789", dead.LastError);
    }

    /// <summary>Reads the concatenated JSON objects of a HEC body.</summary>
    private static List<JsonElement> Events(string body)
    {
        var events = new List<JsonElement>();
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(body), new JsonReaderOptions { AllowMultipleValues = true });
        while (reader.Read()) events.Add(JsonElement.ParseValue(ref reader));
        return events;
    }
}
