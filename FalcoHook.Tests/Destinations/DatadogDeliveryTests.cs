using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Destinations;

/// <summary><c>Type: datadog</c> against a fake logs intake v2 as documented (tested against the documented API).</summary>
public sealed class DatadogDeliveryTests
{
    [Fact]
    public async Task A_batch_is_one_json_array_to_the_v2_intake_with_the_api_key_header()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(202, "{}");
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:dd:Type"] = "datadog",
            ["FalcoHook:Destinations:dd:Url"] = receiver.Url("/api/v2/logs"),
            ["FalcoHook:Destinations:dd:ApiKey"] = "dd-api-key-0123456789",
            ["FalcoHook:Destinations:dd:Tags:0"] = "env:prod",
        });
        var notifications = new[] { TestAlerts.Notification(1), TestAlerts.StormSummary() };

        await host.Outbox.EnqueueAsync(notifications.Select(n => new RoutedNotification(n, ["dd"])).ToList(), CancellationToken.None);
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        await Eventually.TrueAsync(async () => (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered) == 2, "both delivered");

        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/v2/logs", request.Path);
        Assert.Equal("dd-api-key-0123456789", request.Header("DD-API-KEY"));
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        var logs = request.Json.EnumerateArray().ToList();
        Assert.Equal(2, logs.Count);
        var log = logs.Single(l => !l.GetProperty("falco").GetProperty("output_fields").TryGetProperty(SummaryFields.Count, out _));
        Assert.Equal("falco", log.GetProperty("ddsource").GetString());
        Assert.Equal("falco-xczjd", log.GetProperty("hostname").GetString());
        Assert.Equal("critical", log.GetProperty("status").GetString());
        Assert.Equal(notifications[0].Alert.Output, log.GetProperty("message").GetString());
        Assert.Equal("env:prod,priority:critical,rule:Terminal shell in container,source:syscall,container,mitre_execution,shell,T1059", log.GetProperty("ddtags").GetString());
        var summary = logs.Single(l => l.GetProperty("falco").GetProperty("output_fields").TryGetProperty(SummaryFields.Count, out _));
        Assert.Equal(42, summary.GetProperty("falco").GetProperty("output_fields").GetProperty(SummaryFields.Count).GetInt64());
    }

    [Fact]
    public async Task The_site_picks_the_regional_intake_and_an_unknown_site_is_refused_at_start()
    {
        var type = new Core.Destinations.Datadog.DatadogDestination();
        Assert.Equal(new Uri("https://http-intake.logs.datadoghq.eu/api/v2/logs"), type.Endpoint(new() { Site = "datadoghq.eu", ApiKey = "k" }));
        Assert.Equal(new Uri("https://http-intake.logs.datadoghq.com/api/v2/logs"), type.Endpoint(new() { ApiKey = "k" }));

        var failure = await Assert.ThrowsAnyAsync<Exception>(() => DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:dd:Type"] = "datadog",
            ["FalcoHook:Destinations:dd:Site"] = "datadoghq.moon",
            ["FalcoHook:Destinations:dd:ApiKey"] = "k",
        }));
        Assert.Contains("FalcoHook:Destinations:dd:Site must be one of", failure.Message);
    }
}
