using System.Net.Mime;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using FalcoHook.Api.Destinations;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: cloudevents</c> against a real HTTP fake, checked against the CloudEvents 1.0 HTTP Protocol Binding: binary
/// mode puts every attribute in a <c>ce-</c> header and the data, as is, in the body with <c>Content-Type</c> =
/// <c>datacontenttype</c>; structured mode sends the whole event as <c>application/cloudevents+json</c>.
/// </summary>
public sealed class CloudEventsDeliveryTests
{
    private static Dictionary<string, string?> CloudEvents(FakeReceiver receiver, string mode) => new()
    {
        ["FalcoHook:Destinations:ce:Type"] = "cloudevents",
        ["FalcoHook:Destinations:ce:Url"] = receiver.Url("/falco"),
        ["FalcoHook:Destinations:ce:Mode"] = mode,
        ["FalcoHook:Destinations:ce:Extensions:cluster"] = "prod-eu",
    };

    private static JsonElement Parsed(byte[] json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public async Task Binary_mode_sends_the_falco_alert_as_is_with_the_attributes_in_ce_headers_and_the_delivery_id_on_every_retry()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Script(new FakeResponse(500));
        await using var host = await DeliveryTestHost.StartAsync(CloudEvents(receiver, "binary"));
        var notification = TestAlerts.Notification(0);

        var id = (await host.EnqueueAsync(notification, "ce")).Single();
        var requests = await receiver.WaitForRequestsAsync(2);
        await host.WaitForStateAsync(id, DeliveryState.Delivered);

        var request = requests[1];
        Assert.Equal("POST", request.Method);
        Assert.Equal("/falco", request.Path);
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal("1.0", request.Header("ce-specversion"));
        Assert.Equal(id, request.Header("ce-id"));
        Assert.Equal(id, requests[0].Header("ce-id")); // the same id on the retry: receivers can drop the resend
        Assert.Equal("falcohook", request.Header("ce-source"));
        Assert.Equal("falco.alert.v1", request.Header("ce-type"));
        Assert.Equal("Terminal shell in container", Uri.UnescapeDataString(request.Header("ce-subject")!));
        Assert.Equal(notification.Alert.Time.ToDateTimeOffset(), DateTimeOffset.Parse(Uri.UnescapeDataString(request.Header("ce-time")!), System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("prod-eu", request.Header("ce-cluster"));
        Assert.Equal(JsonSerializer.Serialize(Parsed(notification.Alert.ToJsonBytes())), JsonSerializer.Serialize(request.Json));
    }

    [Fact]
    public async Task Structured_mode_sends_the_whole_event_as_cloudevents_json()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        await using var host = await DeliveryTestHost.StartAsync(CloudEvents(receiver, "structured"));
        var notification = TestAlerts.Notification(0);

        var id = (await host.EnqueueAsync(notification, "ce")).Single();
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.StartsWith("application/cloudevents+json", request.Header("Content-Type"));
        var json = request.Json;
        Assert.Equal("1.0", json.GetProperty("specversion").GetString());
        Assert.Equal(id, json.GetProperty("id").GetString());
        Assert.Equal("falcohook", json.GetProperty("source").GetString());
        Assert.Equal("falco.alert.v1", json.GetProperty("type").GetString());
        Assert.Equal("Terminal shell in container", json.GetProperty("subject").GetString());
        Assert.Equal("application/json", json.GetProperty("datacontenttype").GetString());
        Assert.Equal("prod-eu", json.GetProperty("cluster").GetString());
        Assert.Equal(JsonSerializer.Serialize(Parsed(notification.Alert.ToJsonBytes())), JsonSerializer.Serialize(json.GetProperty("data")));

        // And the SDK reads it back as a valid CloudEvent.
        var decoded = new JsonEventFormatter().DecodeStructuredModeMessage(request.Body, new ContentType(request.Header("Content-Type")!), null);
        Assert.Equal(CloudEventsSpecVersion.V1_0, decoded.SpecVersion);
        Assert.Equal(notification.Alert.Time.ToDateTimeOffset(), decoded.Time);
    }

    [Fact]
    public async Task A_429_is_retried_and_a_400_is_dead()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Script(new FakeResponse(429, "", new Dictionary<string, string> { ["Retry-After"] = "0" }));
        receiver.Default = new FakeResponse(400, "unknown event type");
        await using var host = await DeliveryTestHost.StartAsync(CloudEvents(receiver, "binary"));

        var id = (await host.EnqueueAsync(TestAlerts.Notification(), "ce")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Dead);

        Assert.Equal(2, record.Attempts);
        Assert.Equal("cloudevents: HTTP 400: unknown event type", record.LastError);
    }

    [Fact]
    public void Settings_are_checked()
    {
        var failures = DestinationSettings.Failures(new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:x:Type"] = "cloudevents",
            ["FalcoHook:Destinations:x:Mode"] = "batch",
            ["FalcoHook:Destinations:x:Extensions:Cluster-Name"] = "a",
            ["FalcoHook:Destinations:x:Extensions:subject"] = "b",
        });

        Assert.Equal([
            "FalcoHook:Destinations:x:Url is required for type cloudevents",
            "FalcoHook:Destinations:x:Mode must be binary or structured (got 'batch')",
            "FalcoHook:Destinations:x:Extensions:Cluster-Name must be 1 to 20 lower-case letters or digits",
            "FalcoHook:Destinations:x:Extensions:subject is a CloudEvents attribute, not an extension",
        ], failures);
    }
}
