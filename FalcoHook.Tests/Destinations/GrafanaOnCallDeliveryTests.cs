using System.Text.Json;
using FalcoHook.Api.Destinations;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Destinations.GrafanaOnCall;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: grafanaoncall</c> against a real HTTP fake, checked against Grafana OnCall's Formatted Webhook reference:
/// a JSON POST to the integration URL with <c>alert_uid</c>, <c>title</c>, <c>message</c> and <c>state</c>
/// (<c>alerting</c>), all optional for OnCall, and nothing else it would misread.
/// </summary>
public sealed class GrafanaOnCallDeliveryTests
{
    private const string HookPath = "/integrations/v1/formatted_webhook/mReAoNwDm0eMwKo1mTeTwYo/";

    private static Dictionary<string, string?> OnCall(FakeReceiver receiver) => new()
    {
        ["FalcoHook:Destinations:oncall:Type"] = "grafanaoncall",
        ["FalcoHook:Destinations:oncall:Url"] = receiver.Url(HookPath),
        ["FalcoHook:Destinations:oncall:Headers:X-Scope"] = "sec",
    };

    [Fact]
    public async Task Oncall_gets_a_formatted_webhook_alert_grouped_by_the_fingerprint()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        await using var host = await DeliveryTestHost.StartAsync(OnCall(receiver));
        var notification = TestAlerts.Notification(0);

        var id = (await host.EnqueueAsync(notification, "oncall")).Single();
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Equal("POST", request.Method);
        Assert.Equal(HookPath, request.Path);
        Assert.Equal("application/json; charset=utf-8", request.Header("Content-Type"));
        Assert.Equal("sec", request.Header("X-Scope"));
        var json = request.Json;
        Assert.Equal(["alert_uid", "title", "message", "state", "falco"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("fp-0000", json.GetProperty("alert_uid").GetString());
        Assert.Equal("Critical: Terminal shell in container", json.GetProperty("title").GetString());
        Assert.Equal("alerting", json.GetProperty("state").GetString());
        Assert.Equal(
            notification.Alert.Output + "\n\nPriority: Critical\nRule: Terminal shell in container\nSource: syscall\nHostname: falco-xczjd\n"
            + "Tags: container, mitre_execution, shell, T1059\ncontainer.id: ee97d9c4186f\nevt.time: 1685022245478445995\nproc.name: sh\n"
            + "k8s.ns.name: default\nuser.loginuid: -1",
            json.GetProperty("message").GetString());
        Assert.Equal(JsonSerializer.Serialize(JsonDocument.Parse(notification.Alert.ToJsonBytes()).RootElement), json.GetProperty("falco").GetRawText());
    }

    [Fact]
    public void A_storm_summary_says_how_many_alerts_in_title_and_message()
    {
        var json = JsonSerializer.SerializeToElement(GrafanaOnCallPayload.Build(TestAlerts.StormSummary()));

        Assert.Equal("Critical: Terminal shell in container (42 alerts)", json.GetProperty("title").GetString());
        Assert.Contains("\nStorm summary: 42 alerts from 2023-05-25T13:44:05.000000000Z to 2023-05-25T13:45:05.000000000Z\nFirst: first <shell>\nproc.name: sh, bash\n",
            json.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_429_is_retried_after_retry_after_and_5xx_until_delivered()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        await using var receiver = await FakeReceiver.StartAsync(time);
        receiver.Script(new FakeResponse(429, "", new Dictionary<string, string> { ["Retry-After"] = "30" }), new FakeResponse(502));
        await using var host = await DeliveryTestHost.StartAsync(OnCall(receiver), time);

        var id = (await host.EnqueueAsync(TestAlerts.Notification(), "oncall")).Single();
        var waiting = await host.WaitForAsync(id, r => r.Attempts == 1);
        Assert.Equal(start.AddSeconds(30), waiting.NextAttemptAt);

        time.Advance(TimeSpan.FromSeconds(30));
        var second = await host.WaitForAsync(id, r => r.Attempts == 2);
        Assert.Equal("HTTP 502", second.LastError);
        await Eventually.SteppingAsync(() => receiver.Requests.Count == 3, () => time.Advance(TimeSpan.FromMilliseconds(50)), "the third attempt");
        Assert.Equal(3, (await host.WaitForStateAsync(id, DeliveryState.Delivered)).Attempts);
    }

    [Fact]
    public async Task A_404_is_dead_at_once_with_the_integration_token_masked()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(404, $"integration {HookPath} not found");
        await using var host = await DeliveryTestHost.StartAsync(OnCall(receiver));

        var id = (await host.EnqueueAsync(TestAlerts.Notification(), "oncall")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Dead);

        Assert.Equal($"grafanaoncall: HTTP 404: integration {Redaction.Mask} not found", record.LastError);
        Assert.Single(receiver.Requests);
    }

    [Fact]
    public void Url_is_required()
    {
        var failures = DestinationSettings.Failures(new Dictionary<string, string?> { ["FalcoHook:Destinations:x:Type"] = "grafanaoncall" });

        Assert.Equal(["FalcoHook:Destinations:x:Url is required for type grafanaoncall"], failures);
    }
}
