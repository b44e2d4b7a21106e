using System.Text.Json;
using FalcoHook.Api.Destinations;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Destinations.Opsgenie;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: opsgenie</c> against a real HTTP fake, checked against Opsgenie's Alert API v2 reference (Create Alert): a
/// JSON POST to <c>/v2/alerts</c> with <c>Authorization: GenieKey &lt;key&gt;</c>, <c>message</c> (130), <c>alias</c>
/// (512), <c>description</c> (15,000), <c>tags</c> (20 of 50), <c>details</c> (string map), <c>entity</c>, <c>source</c>,
/// <c>priority</c> P1–P5; 202 Accepted on success.
/// </summary>
public sealed class OpsgenieDeliveryTests
{
    private const string Key = "eb243592-faa2-4ba2-a551q-1afdf565c889";

    private static Dictionary<string, string?> Opsgenie(FakeReceiver receiver, Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:og:Type"] = "opsgenie",
            ["FalcoHook:Destinations:og:Url"] = receiver.Url("/v2/alerts"),
            ["FalcoHook:Destinations:og:ApiKey"] = Key,
        };
        foreach (var (k, v) in more ?? []) settings[k] = v;
        return settings;
    }

    private static FakeResponse Accepted() => new(202, """{"result":"Request will be processed","took":0.302,"requestId":"43a29c5c-3dbf-4fa4-9c26-f4f71023e120"}""",
        new Dictionary<string, string> { ["Content-Type"] = "application/json" });

    [Fact]
    public async Task Opsgenie_gets_a_create_alert_request_with_the_genie_key_alias_priority_tags_and_details()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = Accepted();
        await using var host = await DeliveryTestHost.StartAsync(Opsgenie(receiver, new()
        {
            ["FalcoHook:Destinations:og:Teams:0"] = "secops",
            ["FalcoHook:Destinations:og:Tags:0"] = "falco",
        }));
        var notification = TestAlerts.Notification(0);

        var id = (await host.EnqueueAsync(notification, "og")).Single();
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Equal("POST", request.Method);
        Assert.Equal("/v2/alerts", request.Path);
        Assert.Equal("GenieKey " + Key, request.Header("Authorization"));
        Assert.Equal("application/json; charset=utf-8", request.Header("Content-Type"));
        var json = request.Json;
        Assert.Equal(["message", "alias", "description", "responders", "tags", "details", "entity", "source", "priority"],
            json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("Critical: Terminal shell in container", json.GetProperty("message").GetString());
        Assert.Equal("fp-0000", json.GetProperty("alias").GetString());
        Assert.Equal(notification.Alert.Output, json.GetProperty("description").GetString());
        Assert.Equal("""[{"type":"team","name":"secops"}]""", json.GetProperty("responders").GetRawText());
        Assert.Equal(["falco", "container", "mitre_execution", "shell", "T1059"], json.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(
            ["rule=Terminal shell in container", "priority=Critical", "source=syscall", "hostname=falco-xczjd", "time=2023-05-25T13:44:05.478445995Z",
             "container.id=ee97d9c4186f", "evt.time=1685022245478445995", "proc.name=sh", "k8s.ns.name=default", "user.loginuid=-1"],
            json.GetProperty("details").EnumerateObject().Select(p => $"{p.Name}={p.Value.GetString()}"));
        Assert.Equal("falco-xczjd", json.GetProperty("entity").GetString());
        Assert.Equal("FalcoHook", json.GetProperty("source").GetString());
        Assert.Equal("P2", json.GetProperty("priority").GetString());
        Assert.Equal(1, record.Attempts);
    }

    [Fact]
    public async Task A_repeat_of_an_alert_carries_the_same_alias_so_opsgenie_joins_it_to_the_open_alert()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = Accepted();
        await using var host = await DeliveryTestHost.StartAsync(Opsgenie(receiver));

        var first = (await host.EnqueueAsync(TestAlerts.FromInbox(TestAlerts.Shell(1), "same-fingerprint"), "og")).Single();
        var second = (await host.EnqueueAsync(TestAlerts.FromInbox(TestAlerts.Shell(2), "same-fingerprint"), "og")).Single();
        var requests = await receiver.WaitForRequestsAsync(2);
        await host.WaitForStateAsync(first, DeliveryState.Delivered);
        await host.WaitForStateAsync(second, DeliveryState.Delivered);

        Assert.NotEqual(first, second);
        Assert.All(requests, r => Assert.Equal("same-fingerprint", r.Json.GetProperty("alias").GetString()));
    }

    [Fact]
    public async Task A_429_is_retried_after_retry_after_then_delivered()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        await using var receiver = await FakeReceiver.StartAsync(time);
        receiver.Script(new FakeResponse(429, """{"message":"You are making too many requests!","took":0.0}""", new Dictionary<string, string> { ["Retry-After"] = "7" }));
        receiver.Default = Accepted();
        await using var host = await DeliveryTestHost.StartAsync(Opsgenie(receiver), time);

        var id = (await host.EnqueueAsync(TestAlerts.Notification(), "og")).Single();
        var waiting = await host.WaitForAsync(id, r => r.Attempts == 1);

        Assert.Equal(DeliveryState.Pending, waiting.State);
        Assert.Equal(start.AddSeconds(7), waiting.NextAttemptAt);
        Assert.StartsWith("HTTP 429: ", waiting.LastError);
        time.Advance(TimeSpan.FromSeconds(7));
        var delivered = await host.WaitForStateAsync(id, DeliveryState.Delivered);
        Assert.Equal(2, delivered.Attempts);
    }

    [Fact]
    public async Task Server_errors_are_retried_until_delivered()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Script(new FakeResponse(503), new FakeResponse(500));
        receiver.Default = Accepted();
        await using var host = await DeliveryTestHost.StartAsync(Opsgenie(receiver));

        var id = (await host.EnqueueAsync(TestAlerts.Notification(), "og")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Equal(3, record.Attempts);
        Assert.Equal(3, receiver.Requests.Count);
    }

    [Fact]
    public async Task A_422_is_dead_at_once_with_opsgenies_message_and_the_key_masked()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(422, $$"""{"message":"Key {{Key}} is invalid","took":0.001,"requestId":"r1"}""");
        await using var host = await DeliveryTestHost.StartAsync(Opsgenie(receiver));

        var id = (await host.EnqueueAsync(TestAlerts.Notification(), "og")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Dead);

        Assert.Equal($$"""opsgenie: HTTP 422: {"message":"Key {{Redaction.Mask}} is invalid","took":0.001,"requestId":"r1"}""", record.LastError);
        Assert.Single(receiver.Requests);
    }

    [Theory]
    [InlineData(Priority.Emergency, "P1")]
    [InlineData(Priority.Alert, "P1")]
    [InlineData(Priority.Critical, "P2")]
    [InlineData(Priority.Error, "P3")]
    [InlineData(Priority.Warning, "P4")]
    [InlineData(Priority.Notice, "P5")]
    [InlineData(Priority.Informational, "P5")]
    [InlineData(Priority.Debug, "P5")]
    public void Priority_maps_to_p1_to_p5(Priority priority, string expected) =>
        Assert.Equal(expected, OpsgeniePayload.Build(TestAlerts.Notification(0, priority), new OpsgenieSettings())["priority"]!.GetValue<string>());

    [Fact]
    public void The_priority_map_can_be_configured() =>
        Assert.Equal("P1", OpsgeniePayload.Build(TestAlerts.Notification(0, Priority.Warning),
            new OpsgenieSettings { Priorities = new(StringComparer.OrdinalIgnoreCase) { ["warning"] = "p1" } })["priority"]!.GetValue<string>());

    [Fact]
    public void Long_text_stays_within_opsgenies_field_limits()
    {
        var alert = TestAlerts.Shell();
        var big = new FalcoAlert
        {
            Rule = new string('R', 300), Priority = alert.Priority, Time = alert.Time, Output = new string('o', 20_000), Hostname = new string('h', 600),
            Tags = [.. Enumerable.Range(0, 30).Select(i => $"tag{i:D2}-" + new string('t', 60))],
            OutputFields = Enumerable.Range(0, 100).ToDictionary(i => $"field.{i:D3}", _ => JsonSerializer.SerializeToElement(new string('v', 300))),
        };

        var json = JsonSerializer.SerializeToElement(OpsgeniePayload.Build(new Notification(big, new string('f', 600)), new OpsgenieSettings()));

        Assert.Equal(130, json.GetProperty("message").GetString()!.Length);
        Assert.EndsWith("…", json.GetProperty("message").GetString());
        Assert.Equal(64, json.GetProperty("alias").GetString()!.Length); // the SHA-256 of a fingerprint over 512
        Assert.Equal(15_000, json.GetProperty("description").GetString()!.Length);
        Assert.Equal(512, json.GetProperty("entity").GetString()!.Length);
        var tags = json.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToList();
        Assert.Equal(20, tags.Count);
        Assert.All(tags, t => Assert.Equal(50, t.Length));
        var details = json.GetProperty("details").EnumerateObject().ToList();
        Assert.InRange(details.Sum(p => p.Name.Length + p.Value.GetString()!.Length), 7_500, 8_000);
        Assert.Contains(details, p => p.Name == "rule");
    }

    [Fact]
    public void A_storm_summary_says_how_many_alerts_it_stands_for()
    {
        var json = JsonSerializer.SerializeToElement(OpsgeniePayload.Build(TestAlerts.StormSummary(), new OpsgenieSettings()));

        Assert.Equal("[42 alerts] Critical: Terminal shell in container", json.GetProperty("message").GetString());
        Assert.Equal("Storm summary: 42 alerts from 2023-05-25T13:44:05.000000000Z to 2023-05-25T13:45:05.000000000Z\nFirst: first <shell>\nproc.name: sh, bash",
            json.GetProperty("description").GetString());
        Assert.Equal("42", json.GetProperty("details").GetProperty("count").GetString());
    }

    [Fact]
    public void The_key_is_required_and_the_eu_region_goes_to_the_eu_api()
    {
        var bad = Configuration(new()
        {
            ["FalcoHook:Destinations:bad:Type"] = "opsgenie",
            ["FalcoHook:Destinations:bad:Region"] = "asia",
            ["FalcoHook:Destinations:bad:Priorities:critical"] = "P9",
        });
        using (var services = new ServiceCollection().AddDestinations(bad).BuildServiceProvider())
        {
            var failures = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<DestinationsOptions>>().Value).Failures;
            Assert.Equal(["FalcoHook:Destinations:bad:ApiKey is required for type opsgenie", "FalcoHook:Destinations:bad:Region must be us or eu (got 'asia')",
                "FalcoHook:Destinations:bad:Priorities:critical must be P1, P2, P3, P4 or P5 (got 'P9')"], failures);
        }

        var good = Configuration(new()
        {
            ["FalcoHook:Destinations:eu:Type"] = "opsgenie",
            ["FalcoHook:Destinations:eu:ApiKey"] = Key,
            ["FalcoHook:Destinations:eu:Region"] = "EU",
            ["FalcoHook:Destinations:us:Type"] = "opsgenie",
            ["FalcoHook:Destinations:us:ApiKey"] = Key,
        });
        using (var services = new ServiceCollection().AddDestinations(good).BuildServiceProvider())
        {
            var catalog = services.GetRequiredService<DestinationCatalog>();
            Assert.Equal("https://api.eu.opsgenie.com/v2/alerts", catalog.All["eu"].Endpoint!.ToString());
            Assert.Equal("https://api.opsgenie.com/v2/alerts", catalog.All["us"].Endpoint!.ToString());
            Assert.Contains(Key, catalog.All["eu"].Secrets);
        }
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
}
