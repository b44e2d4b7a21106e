using FalcoHook.Api.Destinations;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Destinations;

public sealed class SecretRedactionTests
{
    private const string SlackPath = "/services/T0SECRET1/B0SECRET2/xoxSecretSlackToken42";
    private const string RoutingKey = "R0UT1NGKEY0123456789abcdefABCDEF";
    private const string WebhookKey = "c2lnbmluZy1zZWNyZXQtZm9yLWZhbGNvaG9vay10ZXN0cw==";
    private const string WebhookQueryToken = "qtoken-5a4b3c2d1e";

    [Fact]
    public async Task No_webhook_path_routing_key_or_signing_secret_reaches_logs_stored_errors_or_dtos()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var echo = $"echo {SlackPath} {RoutingKey} whsec_{WebhookKey} {WebhookKey} {WebhookQueryToken}";
        receiver.Script(new FakeResponse(500, echo), new FakeResponse(500, echo), new FakeResponse(500, echo));
        receiver.Default = new FakeResponse(400, echo);
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:slack-sec:Type"] = "slack",
            ["FalcoHook:Destinations:slack-sec:Url"] = receiver.Url(SlackPath),
            ["FalcoHook:Destinations:slack-sec:RatePerSecond"] = "0",
            ["FalcoHook:Destinations:pd-oncall:Type"] = "pagerduty",
            ["FalcoHook:Destinations:pd-oncall:RoutingKey"] = RoutingKey,
            ["FalcoHook:Destinations:pd-oncall:Url"] = receiver.Url("/v2/enqueue"),
            ["FalcoHook:Destinations:siem:Type"] = "webhook",
            ["FalcoHook:Destinations:siem:Url"] = receiver.Url($"/siem?token={WebhookQueryToken}"),
            ["FalcoHook:Destinations:siem:Secret"] = "whsec_" + WebhookKey,
        });

        var ids = await host.EnqueueAsync(TestAlerts.Notification(1), "slack-sec", "pd-oncall", "siem");
        var records = new List<DeliveryRecord>();
        foreach (var id in ids) records.Add(await host.WaitForStateAsync(id, DeliveryState.Dead));
        var catalog = host.Services.GetRequiredService<DestinationCatalog>();
        var dtos = string.Join("\n", records.Select(r => System.Text.Json.JsonSerializer.Serialize(Api.Endpoints.DeliveryDto.From(r, catalog))));

        Assert.All(records, r => Assert.Contains(Redaction.Mask, r.LastError));
        Assert.Contains("Delivery", host.Logs.AllText); // the dispatcher did log its failures
        foreach (var text in new[] { host.Logs.AllText, string.Join("\n", records.Select(r => r.LastError)), dtos })
        {
            Assert.DoesNotContain("xoxSecretSlackToken42", text);
            Assert.DoesNotContain("T0SECRET1", text);
            Assert.DoesNotContain(RoutingKey, text);
            Assert.DoesNotContain(WebhookKey, text);
            Assert.DoesNotContain(WebhookQueryToken, text);
        }
        Assert.Contains(receiver.BaseUrl.Authority, host.Logs.AllText); // the endpoint is logged, redacted
    }

    [Fact]
    public async Task A_secret_cut_in_two_by_the_stored_errors_length_limit_is_masked_too()
    {
        // The stored error keeps the first 300 characters of the body: the routing key starts at 290, so only its first
        // ten characters are in the error, where a search for the whole key would not find them.
        await using var receiver = await FakeReceiver.StartAsync();
        var echo = new string('x', 300 - 10) + RoutingKey + " rest of the answer";
        receiver.Default = new FakeResponse(400, echo);
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:pd-oncall:Type"] = "pagerduty",
            ["FalcoHook:Destinations:pd-oncall:RoutingKey"] = RoutingKey,
            ["FalcoHook:Destinations:pd-oncall:Url"] = receiver.Url("/v2/enqueue"),
        });

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "pd-oncall")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Dead);

        Assert.EndsWith(new string('x', 20) + Redaction.Mask + "…", record.LastError);
        Assert.DoesNotContain(RoutingKey[..10], record.LastError);
        Assert.DoesNotContain(RoutingKey[..10], host.Logs.AllText);
    }

    [Theory]
    [InlineData("https://hooks.slack.com/services/T0/B0/XYZ", "https://hooks.slack.com/<redacted>")]
    [InlineData("https://user:pass@siem.example:8443/falco?token=abc", "https://siem.example:8443/<redacted>")]
    [InlineData("https://events.pagerduty.com/", "https://events.pagerduty.com")]
    public void Urls_keep_only_scheme_host_and_port(string url, string redacted) =>
        Assert.Equal(redacted, Redaction.Url(url));

    [Fact]
    public void Validation_names_the_exact_key()
    {
        var failures = DestinationSettings.Failures(new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:pd-oncall:Type"] = "pagerduty",
            ["FalcoHook:Destinations:pd-oncall:Region"] = "ap",
            ["FalcoHook:Destinations:pd-oncall:Severities:Critical"] = "fatal",
            ["FalcoHook:Destinations:pd-oncall:Severities:Loud"] = "error",
            ["FalcoHook:Destinations:slack-sec:Type"] = "Slack",
            ["FalcoHook:Destinations:slack-sec:MaxConcurrency"] = "0",
            ["FalcoHook:Destinations:siem:Type"] = "webhook",
            ["FalcoHook:Destinations:siem:Url"] = "ftp://siem.example/x",
            ["FalcoHook:Destinations:siem:Secret"] = "not-a-secret",
            ["FalcoHook:Destinations:siem:Method"] = "GET",
            ["FalcoHook:Destinations:siem:Timeout"] = "00:00:00",
            ["FalcoHook:Destinations:odd:Type"] = "msteams-connector",
        });

        Assert.Contains("FalcoHook:Destinations:pd-oncall:RoutingKey is required for type pagerduty", failures);
        Assert.Contains("FalcoHook:Destinations:pd-oncall:Region must be us or eu (got 'ap')", failures);
        Assert.Contains("FalcoHook:Destinations:pd-oncall:Severities:Critical must be critical, error, warning or info (got 'fatal')", failures);
        Assert.Contains("FalcoHook:Destinations:pd-oncall:Severities:Loud is not a Falco priority", failures);
        Assert.Contains("FalcoHook:Destinations:slack-sec:Url is required for type slack", failures);
        Assert.Contains("FalcoHook:Destinations:slack-sec:MaxConcurrency must be at least 1", failures);
        Assert.Contains("FalcoHook:Destinations:siem:Url must be an absolute http or https URL", failures);
        Assert.Contains("FalcoHook:Destinations:siem:Secret must be whsec_ followed by base64 (the Standard Webhooks format)", failures);
        Assert.Contains("FalcoHook:Destinations:siem:Method must be POST or PUT (got 'GET')", failures);
        Assert.Contains("FalcoHook:Destinations:siem:Timeout must be positive", failures);
        // The list of types is the registered ones, in registration order.
        var odd = Assert.Single(failures, f => f.StartsWith("FalcoHook:Destinations:odd:", StringComparison.Ordinal));
        Assert.StartsWith("FalcoHook:Destinations:odd:Type must be one of slack, pagerduty, webhook", odd);
        Assert.EndsWith("(got 'msteams-connector')", odd);
        Assert.Equal(11, failures.Count);
        Assert.DoesNotContain(failures, f => f.Contains("not-a-secret"));
    }

    [Fact]
    public async Task A_bad_destination_stops_the_host_at_start_with_the_key_named()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:pd-oncall:Type"] = "pagerduty",
        }));
        Assert.Contains("FalcoHook:Destinations:pd-oncall:RoutingKey is required for type pagerduty", error.Message);
    }
}
