using System.Text;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Destinations;

/// <summary><c>Type: loki</c> against a fake of the push API as documented (tested against the documented API; no Loki runs here).</summary>
public sealed class LokiDeliveryTests
{
    [Fact]
    public async Task Alerts_are_pushed_as_streams_labelled_by_the_configured_fields_with_tenant_and_basic_auth()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var loki = new LokiFake();
        receiver.Responder = loki.Answer;
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:logs:Type"] = "loki",
            ["FalcoHook:Destinations:logs:Url"] = receiver.Url("/"),
            ["FalcoHook:Destinations:logs:Tenant"] = "team-a",
            ["FalcoHook:Destinations:logs:Username"] = "12345",
            ["FalcoHook:Destinations:logs:Password"] = "glc_secret_token",
            ["FalcoHook:Destinations:logs:Labels:0"] = "priority",
            ["FalcoHook:Destinations:logs:Labels:1"] = "k8s.ns.name",
            ["FalcoHook:Destinations:logs:Labels:2"] = "missing.field",
            ["FalcoHook:Destinations:logs:ExtraLabels:job"] = "falco",
            ["FalcoHook:Destinations:logs:BatchLinger"] = "00:00:00.300",
        });
        var notifications = new[] { TestAlerts.Notification(1), TestAlerts.Notification(2, Core.Alerts.Priority.Warning) };

        await host.Outbox.EnqueueAsync(notifications.Select(n => new RoutedNotification(n, ["logs"])).ToList(), CancellationToken.None);
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        await Eventually.TrueAsync(async () => (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered) == 2, "both delivered");

        Assert.Equal("POST", request.Method);
        Assert.Equal("/loki/api/v1/push", request.Path);
        Assert.StartsWith("application/json", request.Header("Content-Type"));
        Assert.Equal("team-a", request.Header("X-Scope-OrgID"));
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("12345:glc_secret_token")), request.Header("Authorization"));
        Assert.Equal(0, loki.Malformed);
        var streams = request.Json.GetProperty("streams").EnumerateArray().ToList();
        Assert.Equal(2, streams.Count); // two priorities: two label sets
        var critical = loki.Entries.Single(e => e.Labels["priority"] == "Critical");
        Assert.Equal(new Dictionary<string, string> { ["job"] = "falco", ["k8s_ns_name"] = "default", ["priority"] = "Critical" }, critical.Labels);
        Assert.Equal(notifications[0].Alert.Time.UnixNanoseconds.ToString(System.Globalization.CultureInfo.InvariantCulture), critical.Time);
        Assert.Equal(notifications[0].Alert.ToJson(), critical.Line);
    }

    [Fact]
    public async Task A_push_sent_again_adds_no_entry_twice_and_a_refused_push_is_dead_for_every_item()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var loki = new LokiFake();
        var pushes = 0;
        // The first push is stored but answered 500 (a timeout after Loki wrote it): the retry must not double it.
        receiver.Responder = request =>
        {
            var answer = loki.Answer(request);
            return Interlocked.Increment(ref pushes) == 1 ? new FakeResponse(500, "ingester timeout") : answer;
        };
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:logs:Type"] = "loki",
            ["FalcoHook:Destinations:logs:Url"] = receiver.Url("/"),
        });

        var id = (await host.EnqueueAsync(TestAlerts.Notification(3), "logs")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Equal(2, record.Attempts);
        Assert.Single(loki.Entries);
        Assert.Equal(1, loki.Duplicates);

        receiver.Responder = _ => new FakeResponse(400, "entry for stream '{priority=\"Critical\"}' has timestamp too old");
        var refused = (await host.EnqueueAsync(TestAlerts.Notification(4), "logs")).Single();
        var dead = await host.WaitForStateAsync(refused, DeliveryState.Dead);
        Assert.Contains("HTTP 400: entry for stream", dead.LastError);
    }
}
