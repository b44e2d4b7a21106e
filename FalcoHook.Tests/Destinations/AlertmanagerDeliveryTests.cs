using System.Net;
using System.Text;
using System.Text.Json;
using FalcoHook.Api.Destinations;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: alertmanager</c>: against a real HTTP fake for the request as Alertmanager's API v2 documents it (a JSON
/// POST of a <c>postableAlerts</c> array to <c>/api/v2/alerts</c>), an HA pair of fakes, and against Debian's real
/// <c>prometheus-alertmanager</c> (<see cref="AlertmanagerServer"/>) reading back <c>GET /api/v2/alerts</c>.
/// </summary>
public sealed class AlertmanagerDeliveryTests(AlertmanagerServer alertmanager) : IClassFixture<AlertmanagerServer>
{
    /// <summary>An alert of now (Alertmanager lists only alerts whose endsAt is still ahead) under a rule of its own.</summary>
    private static FalcoAlert Recent(string rule, string proc = "sh")
    {
        var shell = TestAlerts.Shell();
        var fields = new Dictionary<string, JsonElement>(shell.OutputFields!) { ["proc.name"] = JsonSerializer.SerializeToElement(proc) };
        return new FalcoAlert
        {
            Rule = rule, Priority = shell.Priority, Output = shell.Output, Source = shell.Source, Hostname = shell.Hostname, Tags = shell.Tags,
            Time = FalcoTime.FromDateTimeOffset(DateTimeOffset.UtcNow), OutputFields = fields,
        };
    }

    private static readonly string[] ExpectedLabels =
    [
        "alertname", "container_id", "eventsource", "evt_time", "hostname", "k8s_ns_name", "priority", "proc_name", "rule", "severity",
        "source", "tags", "user_loginuid",
    ];

    [SkippableFact]
    public async Task Falcohooks_alerts_appear_in_a_real_alertmanager_with_falcosidekicks_labels_and_annotations()
    {
        alertmanager.Require();
        using var factory = new FalcoHookFactory()
            .With("FalcoHook:Destinations:am:Type", "alertmanager")
            .With("FalcoHook:Destinations:am:Urls:0", alertmanager.BaseUrl.ToString())
            .With("FalcoHook:Destinations:am:ExpiresAfter", "00:10:00");
        var client = factory.CreateClient();
        var alert = Recent("Shell in a pod, for Alertmanager");

        using var body = new ByteArrayContent(alert.ToJsonBytes());
        body.Headers.ContentType = new("application/json");
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/", body)).StatusCode);
        var shown = await Eventually.MatchesAsync(() => alertmanager.AlertsAsync(alert.Rule), a => a.Count > 0, "the alert in Alertmanager");

        var one = Assert.Single(shown);
        var labels = one.GetProperty("labels").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        Assert.Equal(ExpectedLabels, labels.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(alert.Rule, labels["alertname"]);
        Assert.Equal(alert.Rule, labels["rule"]);
        Assert.Equal("Critical", labels["priority"]);
        Assert.Equal("critical", labels["severity"]);
        Assert.Equal("falco", labels["source"]);
        Assert.Equal("syscall", labels["eventsource"]);
        Assert.Equal("falco-xczjd", labels["hostname"]);
        Assert.Equal("T1059,container,mitre_execution,shell", labels["tags"]);
        Assert.Equal("default", labels["k8s_ns_name"]);
        Assert.Equal("-1", labels["user_loginuid"]);
        var annotations = one.GetProperty("annotations");
        Assert.Equal(alert.Rule, annotations.GetProperty("summary").GetString());
        Assert.Equal(alert.Output, annotations.GetProperty("info").GetString());
        Assert.Equal(alert.Output, annotations.GetProperty("description").GetString());
        Assert.Equal("active", one.GetProperty("status").GetProperty("state").GetString());
        var starts = one.GetProperty("startsAt").GetDateTimeOffset();
        Assert.Equal(alert.Time.ToDateTimeOffset(), starts, TimeSpan.FromMilliseconds(1));
        Assert.Equal(starts.AddMinutes(10), one.GetProperty("endsAt").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
    }

    [SkippableFact]
    public async Task An_alert_sent_again_within_the_window_is_one_alert_in_a_real_alertmanager()
    {
        alertmanager.Require();
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:am:Type"] = "alertmanager",
            ["FalcoHook:Destinations:am:Url"] = alertmanager.BaseUrl.ToString(),
        });
        var alert = Recent("Repeated shell, for Alertmanager");
        var other = Recent(alert.Rule, proc: "bash");

        var ids = new List<string>();
        foreach (var (sent, fingerprint) in new[] { (alert, "fp-a"), (alert, "fp-a"), (other, "fp-b") })
            ids.AddRange(await host.EnqueueAsync(TestAlerts.FromInbox(sent, fingerprint), "am"));
        foreach (var id in ids) await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Equal(3, ids.Distinct().Count());
        var shown = await alertmanager.AlertsAsync(alert.Rule);
        Assert.Equal(["bash", "sh"], shown.Select(a => a.GetProperty("labels").GetProperty("proc_name").GetString()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_request_is_a_postable_alerts_array_posted_to_api_v2_alerts()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:am:Type"] = "alertmanager",
            ["FalcoHook:Destinations:am:Urls:0"] = receiver.Url("/"),
            ["FalcoHook:Destinations:am:ExpiresAfter"] = "00:02:00",
            ["FalcoHook:Destinations:am:ExtraLabels:cluster"] = "prod-eu",
            ["FalcoHook:Destinations:am:ExtraAnnotations:runbook_url"] = "https://runbooks.example/falco",
            ["FalcoHook:Destinations:am:Headers:Authorization"] = "Bearer am-proxy-token",
        });
        var notification = TestAlerts.Notification(0);

        var id = (await host.EnqueueAsync(notification, "am")).Single();
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Equal("POST", request.Method);
        Assert.Equal("/api/v2/alerts", request.Path);
        Assert.Equal("application/json; charset=utf-8", request.Header("Content-Type"));
        Assert.Equal("Bearer am-proxy-token", request.Header("Authorization"));
        var posted = Assert.Single(request.Json.EnumerateArray());
        Assert.Equal(["labels", "annotations", "startsAt", "endsAt"], posted.EnumerateObject().Select(p => p.Name));
        Assert.Equal(
            ["alertname=Terminal shell in container", "cluster=prod-eu", "container_id=ee97d9c4186f", "eventsource=syscall",
             "evt_time=1685022245478445995", "hostname=falco-xczjd", "k8s_ns_name=default", "priority=Critical", "proc_name=sh",
             "rule=Terminal shell in container", "severity=critical", "source=falco", "tags=T1059,container,mitre_execution,shell", "user_loginuid=-1"],
            posted.GetProperty("labels").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}").Order(StringComparer.Ordinal));
        Assert.Equal(
            ["runbook_url=https://runbooks.example/falco", "summary=Terminal shell in container", $"description={notification.Alert.Output}",
             $"info={notification.Alert.Output}"],
            posted.GetProperty("annotations").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}"));
        Assert.Equal("2023-05-25T13:44:05.4784459Z", posted.GetProperty("startsAt").GetString());
        Assert.Equal("2023-05-25T13:46:05.4784459Z", posted.GetProperty("endsAt").GetString());
    }

    [Fact]
    public async Task Each_member_of_an_ha_pair_gets_every_alert_and_one_that_was_down_gets_it_on_the_retry()
    {
        await using var up = await FakeReceiver.StartAsync();
        await using var down = await FakeReceiver.StartAsync();
        down.Script(new FakeResponse(503, "not ready"), new FakeResponse(503, "not ready"));
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:am:Type"] = "alertmanager",
            ["FalcoHook:Destinations:am:Urls:0"] = up.Url("/"),
            ["FalcoHook:Destinations:am:Urls:1"] = down.Url("/"),
        });

        var first = (await host.EnqueueAsync(TestAlerts.Notification(1), "am")).Single();
        var record = await host.WaitForStateAsync(first, DeliveryState.Delivered);

        Assert.Equal(3, record.Attempts);
        Assert.Equal(3, down.Requests.Count);
        Assert.Equal(3, up.Requests.Count); // the healthy one gets the same alert again: one alert to Alertmanager
        Assert.All(up.Requests.Concat(down.Requests), r => Assert.Equal(up.Requests[0].BodyText, r.BodyText));

        var second = (await host.EnqueueAsync(TestAlerts.Notification(2), "am")).Single();
        await host.WaitForStateAsync(second, DeliveryState.Delivered);
        Assert.Equal(4, up.Requests.Count);
        Assert.Equal(4, down.Requests.Count);
    }

    [Fact]
    public async Task A_429_waits_for_retry_after_and_names_the_alertmanager()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(start);
        await using var up = await FakeReceiver.StartAsync(time);
        await using var busy = await FakeReceiver.StartAsync(time);
        busy.Script(new FakeResponse(429, "slow down", new Dictionary<string, string> { ["Retry-After"] = "20" }));
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:am:Type"] = "alertmanager",
            ["FalcoHook:Destinations:am:Urls:0"] = up.Url("/"),
            ["FalcoHook:Destinations:am:Urls:1"] = busy.Url("/"),
        }, time);

        var id = (await host.EnqueueAsync(TestAlerts.Notification(), "am")).Single();
        var waiting = await host.WaitForAsync(id, r => r.Attempts == 1);

        Assert.Equal(DeliveryState.Pending, waiting.State);
        Assert.Equal(start.AddSeconds(20), waiting.NextAttemptAt);
        Assert.Equal($"http://{busy.BaseUrl.Authority}: HTTP 429: slow down", waiting.LastError);
        time.Advance(TimeSpan.FromSeconds(20));
        Assert.Equal(2, (await host.WaitForStateAsync(id, DeliveryState.Delivered)).Attempts);
    }

    [Fact]
    public async Task A_400_from_alertmanager_is_dead_at_once()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(400, "\"start time must be before end time\"");
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:am:Type"] = "alertmanager",
            ["FalcoHook:Destinations:am:Url"] = receiver.Url("/proxy/alertmanager/api/v2/alerts"),
        });

        var id = (await host.EnqueueAsync(TestAlerts.Notification(), "am")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Dead);

        Assert.Equal("alertmanager: HTTP 400: \"start time must be before end time\"", record.LastError);
        Assert.Equal("/proxy/alertmanager/api/v2/alerts", Assert.Single(receiver.Requests).Path); // a URL with a path is used as it is
    }

    [Fact]
    public void A_url_is_required_and_settings_are_checked()
    {
        var failures = DestinationSettings.Failures(new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:none:Type"] = "alertmanager",
            ["FalcoHook:Destinations:wrong:Type"] = "alertmanager",
            ["FalcoHook:Destinations:wrong:Urls:0"] = "am-0:9093",
            ["FalcoHook:Destinations:wrong:ExpiresAfter"] = "00:00:00",
            ["FalcoHook:Destinations:wrong:ExtraLabels:k8s.cluster"] = "x",
        });

        Assert.Equal([
            "FalcoHook:Destinations:none:Urls needs at least one Alertmanager URL for type alertmanager",
            "FalcoHook:Destinations:wrong:Urls:0 must be an absolute http or https URL",
            "FalcoHook:Destinations:wrong:ExpiresAfter must be positive",
            "FalcoHook:Destinations:wrong:ExtraLabels:k8s.cluster is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)",
        ], failures);
    }
}
