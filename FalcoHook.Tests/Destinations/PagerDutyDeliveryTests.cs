using System.Net;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Destinations.PagerDuty;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace FalcoHook.Tests.Destinations;

public sealed class PagerDutyDeliveryTests
{
    private const string RoutingKey = "R0UT1NGKEY0123456789abcdefABCDEF";
    private const string Accepted = """{"status":"success","message":"Event processed","dedup_key":"x"}""";

    private static Dictionary<string, string?> PagerDuty(string? url, Dictionary<string, string?>? more = null, string name = "pd-oncall")
    {
        var settings = new Dictionary<string, string?>
        {
            [$"FalcoHook:Destinations:{name}:Type"] = "pagerduty",
            [$"FalcoHook:Destinations:{name}:RoutingKey"] = RoutingKey,
        };
        if (url is not null) settings[$"FalcoHook:Destinations:{name}:Url"] = url;
        foreach (var (k, v) in more ?? []) settings[k] = v;
        return settings;
    }

    [Fact]
    public async Task PagerDuty_gets_an_events_v2_trigger_with_the_fingerprint_as_dedup_key()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(202, Accepted);
        await using var host = await DeliveryTestHost.StartAsync(PagerDuty(receiver.Url("/v2/enqueue")));
        var notification = TestAlerts.Notification(1);

        var id = (await host.EnqueueAsync(notification, "pd-oncall")).Single();
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Equal("/v2/enqueue", request.Path);
        var json = request.Json;
        Assert.Equal(RoutingKey, json.GetProperty("routing_key").GetString());
        Assert.Equal("trigger", json.GetProperty("event_action").GetString());
        Assert.Equal("fp-0001", json.GetProperty("dedup_key").GetString());
        var payload = json.GetProperty("payload");
        Assert.Equal(notification.Alert.Output, payload.GetProperty("summary").GetString());
        Assert.Equal("falco-xczjd", payload.GetProperty("source").GetString());
        Assert.Equal("critical", payload.GetProperty("severity").GetString());
        Assert.Equal("2023-05-25T13:44:05.478445996Z", payload.GetProperty("timestamp").GetString());
        Assert.Equal("syscall", payload.GetProperty("component").GetString());
        Assert.Equal("default", payload.GetProperty("group").GetString());
        Assert.Equal("Terminal shell in container", payload.GetProperty("class").GetString());
        var details = payload.GetProperty("custom_details");
        Assert.Equal("Terminal shell in container", details.GetProperty("rule").GetString());
        Assert.Equal("falco-xczjd", details.GetProperty("hostname").GetString());
        Assert.Equal("syscall", details.GetProperty("source").GetString());
        Assert.Equal(["container", "mitre_execution", "shell", "T1059"], details.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal("1685022245478445995", details.GetProperty("output_fields").GetProperty("evt.time").GetRawText());
        Assert.Equal("sh", details.GetProperty("output_fields").GetProperty("proc.name").GetString());
    }

    [Fact]
    public async Task Repeats_of_one_fingerprint_share_the_dedup_key_and_get_their_own_delivery_ids()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(202, Accepted);
        await using var host = await DeliveryTestHost.StartAsync(PagerDuty(receiver.Url("/v2/enqueue")));

        var first = (await host.EnqueueAsync(TestAlerts.FromInbox(TestAlerts.Shell(1), "same-incident"), "pd-oncall")).Single();
        var second = (await host.EnqueueAsync(TestAlerts.FromInbox(TestAlerts.Shell(2), "same-incident"), "pd-oncall")).Single();
        var requests = await receiver.WaitForRequestsAsync(2);

        Assert.NotEqual(first, second);
        Assert.All(requests, r => Assert.Equal("same-incident", r.Json.GetProperty("dedup_key").GetString()));
    }

    [Theory]
    [InlineData(Priority.Emergency, "critical")]
    [InlineData(Priority.Alert, "critical")]
    [InlineData(Priority.Critical, "critical")]
    [InlineData(Priority.Error, "error")]
    [InlineData(Priority.Warning, "warning")]
    [InlineData(Priority.Notice, "info")]
    [InlineData(Priority.Informational, "info")]
    [InlineData(Priority.Debug, "info")]
    public void Default_severity_map(Priority priority, string severity) =>
        Assert.Equal(severity, PagerDutyPayload.Severity(priority, new PagerDutySettings()));

    [Fact]
    public async Task The_severity_map_is_configurable()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(202, Accepted);
        await using var host = await DeliveryTestHost.StartAsync(PagerDuty(receiver.Url("/v2/enqueue"), new()
        {
            ["FalcoHook:Destinations:pd-oncall:Severities:warning"] = "error",
            ["FalcoHook:Destinations:pd-oncall:Severities:Critical"] = "warning",
        }));

        await host.EnqueueAsync(TestAlerts.Notification(1, Priority.Warning), "pd-oncall");
        await host.EnqueueAsync(TestAlerts.Notification(2, Priority.Critical), "pd-oncall");
        await host.EnqueueAsync(TestAlerts.Notification(3, Priority.Error), "pd-oncall");
        var requests = await receiver.WaitForRequestsAsync(3);

        var byKey = requests.ToDictionary(r => r.Json.GetProperty("dedup_key").GetString()!, r => r.Json.GetProperty("payload").GetProperty("severity").GetString());
        Assert.Equal("error", byKey["fp-0001"]);
        Assert.Equal("warning", byKey["fp-0002"]);
        Assert.Equal("error", byKey["fp-0003"]);
    }

    [Fact]
    public async Task Region_eu_sends_to_the_eu_events_api_and_a_url_overrides_it()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(202, Accepted);
        var captured = new CapturingHandler();
        var settings = PagerDuty(null, new() { ["FalcoHook:Destinations:pd-eu:Region"] = "eu" }, name: "pd-eu");
        foreach (var (k, v) in PagerDuty(null, name: "pd-us")) settings[k] = v;
        foreach (var (k, v) in PagerDuty(receiver.Url("/override/enqueue"), new() { ["FalcoHook:Destinations:pd-override:Region"] = "eu" }, name: "pd-override")) settings[k] = v;
        await using var host = await DeliveryTestHost.StartAsync(settings, configure: services =>
            services.AddHttpClient(DestinationCatalog.HttpClientName("pd-eu")).ConfigurePrimaryHttpMessageHandler(() => captured));

        var factory = host.Services.GetRequiredService<IHttpClientFactory>();
        Assert.Equal(new Uri("https://events.eu.pagerduty.com/v2/enqueue"), factory.CreateClient(DestinationCatalog.HttpClientName("pd-eu")).BaseAddress);
        Assert.Equal(new Uri("https://events.pagerduty.com/v2/enqueue"), factory.CreateClient(DestinationCatalog.HttpClientName("pd-us")).BaseAddress);

        // The EU host is not reachable from tests: the real client pipeline runs down to a capturing handler.
        var eu = (await host.EnqueueAsync(TestAlerts.Notification(1), "pd-eu")).Single();
        await host.WaitForStateAsync(eu, DeliveryState.Delivered);
        Assert.Equal("https://events.eu.pagerduty.com/v2/enqueue", Assert.Single(captured.Uris).ToString());

        var overridden = (await host.EnqueueAsync(TestAlerts.Notification(2), "pd-override")).Single();
        await host.WaitForStateAsync(overridden, DeliveryState.Delivered);
        Assert.Equal("/override/enqueue", Assert.Single(receiver.Requests).Path);
    }

    [Fact]
    public async Task A_400_is_dead_with_pagerdutys_errors_and_a_429_waits_a_minute()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        await using var receiver = await FakeReceiver.StartAsync(time);
        receiver.Script(new FakeResponse(400, """{"status":"invalid event","errors":["'payload.summary' is missing"]}"""), new FakeResponse(429));
        await using var host = await DeliveryTestHost.StartAsync(PagerDuty(receiver.Url("/v2/enqueue")), time);

        var bad = (await host.EnqueueAsync(TestAlerts.Notification(1), "pd-oncall")).Single();
        var dead = await host.WaitForStateAsync(bad, DeliveryState.Dead);
        var limited = (await host.EnqueueAsync(TestAlerts.Notification(2), "pd-oncall")).Single();
        var waiting = await host.WaitForAsync(limited, r => r.Attempts == 1);

        Assert.Contains("'payload.summary' is missing", dead.LastError);
        Assert.Equal(DeliveryState.Pending, waiting.State);
        Assert.Equal(start.AddMinutes(1), waiting.NextAttemptAt);
    }

    [Fact]
    public void The_summary_is_cut_to_1024_characters()
    {
        var alert = TestAlerts.Shell();
        var big = new FalcoAlert { Rule = alert.Rule, Priority = alert.Priority, Time = alert.Time, Output = new string('x', 3000) };
        var summary = PagerDutyPayload.Build(new(big, "fp"), new PagerDutySettings { RoutingKey = "k" })["payload"]!["summary"]!.GetValue<string>();
        Assert.Equal(1024, summary.Length);
        Assert.EndsWith("…", summary);
    }

    private sealed class CapturingHandler : HttpMessageHandler
    {
        public List<Uri> Uris { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Uris) Uris.Add(request.RequestUri!);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.Accepted) { Content = new StringContent(Accepted) });
        }
    }
}
