using System.Text.Json;
using FalcoHook.Api.Destinations;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Destinations.Discord;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: discord</c> against a real HTTP fake, checked against Discord's Execute Webhook reference: a JSON POST to
/// the webhook URL with <c>embeds</c> (at most 10; title 256, description 4096, 25 fields of 256/1024, 6000 characters
/// in all, <c>color</c> an integer), 204 on success, 429 with <c>Retry-After</c> and a JSON <c>retry_after</c> in seconds.
/// </summary>
public sealed class DiscordDeliveryTests
{
    private const string Token = "Tok3n-abcdefghijklmnopqrstuvwxyz0123";
    private const string HookPath = "/api/webhooks/112233445566778899/" + Token;

    private static Dictionary<string, string?> Discord(FakeReceiver receiver, Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:disc:Type"] = "discord",
            ["FalcoHook:Destinations:disc:Url"] = receiver.Url(HookPath),
            ["FalcoHook:Destinations:disc:RatePerSecond"] = "0",
        };
        foreach (var (k, v) in more ?? []) settings[k] = v;
        return settings;
    }

    private static Notification InAPod()
    {
        var alert = TestAlerts.Shell(1);
        var fields = new Dictionary<string, JsonElement>(alert.OutputFields!)
        {
            ["container.name"] = JsonSerializer.SerializeToElement("nginx"),
            ["k8s.pod.name"] = JsonSerializer.SerializeToElement("nginx-7d9f8-x2x"),
            ["user.name"] = JsonSerializer.SerializeToElement("root"),
            ["proc.cmdline"] = JsonSerializer.SerializeToElement("sh -c cat /etc/shadow"),
        };
        return TestAlerts.FromInbox(new FalcoAlert
        {
            Rule = alert.Rule, Priority = alert.Priority, Time = alert.Time, Output = alert.Output, Source = alert.Source,
            Hostname = alert.Hostname, Tags = alert.Tags, OutputFields = fields,
        }, "fp-0001");
    }

    [Fact]
    public async Task Discord_gets_one_embed_with_the_priority_colour_rule_output_and_the_important_fields()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(204);
        await using var host = await DeliveryTestHost.StartAsync(Discord(receiver, new()
        {
            ["FalcoHook:Destinations:disc:Username"] = "falcohook",
            ["FalcoHook:Destinations:disc:AvatarUrl"] = "https://example.com/falco.png",
        }));
        var notification = InAPod();

        var id = (await host.EnqueueAsync(notification, "disc")).Single();
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Equal("POST", request.Method);
        Assert.Equal(HookPath, request.Path);
        Assert.Equal("", request.Query);
        Assert.Equal("application/json; charset=utf-8", request.Header("Content-Type"));
        var json = request.Json;
        Assert.Equal(["username", "avatar_url", "embeds", "allowed_mentions"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("falcohook", json.GetProperty("username").GetString());
        Assert.Equal("https://example.com/falco.png", json.GetProperty("avatar_url").GetString());
        Assert.Equal(0, json.GetProperty("allowed_mentions").GetProperty("parse").GetArrayLength());
        var embed = Assert.Single(json.GetProperty("embeds").EnumerateArray());
        Assert.Equal("Critical: Terminal shell in container", embed.GetProperty("title").GetString());
        Assert.Equal(notification.Alert.Output.Replace("container_id", @"container\_id", StringComparison.Ordinal), embed.GetProperty("description").GetString());
        Assert.Equal(0xff5400, embed.GetProperty("color").GetInt32());
        Assert.Equal("2023-05-25T13:44:05.478Z", embed.GetProperty("timestamp").GetString());
        Assert.Equal(
            ["Priority: Critical", "Rule: Terminal shell in container", "Source: syscall", "Hostname: falco-xczjd",
             "Container: nginx", "Pod: nginx-7d9f8-x2x", "Namespace: default", "User: root", "Command: sh -c cat /etc/shadow",
             @"Tags: container, mitre\_execution, shell, T1059",
             "container.id: ee97d9c4186f", "evt.time: 1685022245478445995", "proc.name: sh", "user.loginuid: -1"],
            Fields(embed).Select(f => $"{f.Name}: {f.Value}"));
        Assert.Equal([true, true, true, true, true, true, true, true, false, false, true, true, true, true], Fields(embed).Select(f => f.Inline));
        Assert.Equal(1, record.Attempts);
    }

    [Fact]
    public async Task A_429_waits_as_long_as_discord_says_then_the_message_is_delivered()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        await using var receiver = await FakeReceiver.StartAsync(time);
        receiver.Script(new FakeResponse(429, """{"message": "You are being rate limited.", "retry_after": 3.5, "global": false}""",
            new Dictionary<string, string> { ["Retry-After"] = "3", ["Content-Type"] = "application/json" }));
        receiver.Default = new FakeResponse(204);
        await using var host = await DeliveryTestHost.StartAsync(Discord(receiver), time);

        var id = (await host.EnqueueAsync(InAPod(), "disc")).Single();
        var waiting = await host.WaitForAsync(id, r => r.Attempts == 1);

        Assert.Equal(DeliveryState.Pending, waiting.State);
        Assert.Equal(start.AddSeconds(3.5), waiting.NextAttemptAt); // the body's 3.5 s, later than the header's 3 s
        Assert.StartsWith("HTTP 429: ", waiting.LastError);
        Assert.Single(receiver.Requests);

        time.Advance(TimeSpan.FromSeconds(3.5));
        var delivered = await host.WaitForStateAsync(id, DeliveryState.Delivered);
        Assert.Equal(2, delivered.Attempts);
        Assert.True(receiver.Requests[1].ReceivedAt >= start.AddSeconds(3.5));
    }

    [Fact]
    public async Task Server_errors_are_retried_until_delivered()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Script(new FakeResponse(500), new FakeResponse(502));
        receiver.Default = new FakeResponse(204);
        await using var host = await DeliveryTestHost.StartAsync(Discord(receiver));

        var id = (await host.EnqueueAsync(InAPod(), "disc")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Equal(3, record.Attempts);
        Assert.Equal(3, receiver.Requests.Count);
    }

    [Fact]
    public async Task A_400_is_dead_at_once_with_discords_error_and_the_webhook_token_masked()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(400, $$"""{"message": "Invalid Webhook Token {{Token}}", "code": 50027}""");
        await using var host = await DeliveryTestHost.StartAsync(Discord(receiver));

        var id = (await host.EnqueueAsync(InAPod(), "disc")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Dead);

        Assert.Equal($$"""discord: HTTP 400: {"message": "Invalid Webhook Token {{Redaction.Mask}}", "code": 50027}""", record.LastError);
        Assert.Single(receiver.Requests);
        // The dead-letter log line comes just after the row is marked dead.
        var endpoint = receiver.BaseUrl.Authority + "/" + Redaction.Mask;
        await Eventually.TrueAsync(() => host.Logs.AllText.Contains(endpoint, StringComparison.Ordinal), "the dead letter logged with its endpoint redacted");
        Assert.DoesNotContain(Token, host.Logs.AllText);
    }

    [Theory]
    [InlineData("""{"message": "You are being rate limited.", "retry_after": 0.25, "global": true}""", 250)]
    [InlineData("""{"message": "You are being rate limited."}""", null)]
    [InlineData("""{"retry_after": "soon"}""", null)]
    [InlineData("rate limited", null)]
    public void Retry_after_is_read_from_the_body_in_seconds(string body, int? milliseconds) =>
        Assert.Equal(milliseconds is { } ms ? TimeSpan.FromMilliseconds(ms) : null, DiscordSender.RetryAfterInBody(body));

    [Theory]
    [InlineData(Priority.Emergency, 0xe20b0b)]
    [InlineData(Priority.Alert, 0xff5400)]
    [InlineData(Priority.Critical, 0xff5400)]
    [InlineData(Priority.Error, 0xe20b0b)]
    [InlineData(Priority.Warning, 0xffc700)]
    [InlineData(Priority.Notice, 0x5bffb5)]
    [InlineData(Priority.Informational, 0x68c2ff)]
    [InlineData(Priority.Debug, 0xccfff2)]
    public void Colour_follows_the_priority_as_an_integer(Priority priority, int colour) =>
        Assert.Equal(colour, DiscordPayload.Build(TestAlerts.Notification(0, priority), new DiscordSettings())["embeds"]![0]!["color"]!.GetValue<int>());

    [Fact]
    public void Long_text_and_many_fields_stay_within_discords_limits()
    {
        var alert = TestAlerts.Shell();
        var fields = Enumerable.Range(0, 400).ToDictionary(i => $"field.{i:D3}", _ => JsonSerializer.SerializeToElement(new string('v', 2500)));
        var big = new FalcoAlert
        {
            Rule = new string('R', 400), Priority = alert.Priority, Time = alert.Time, Output = new string('o', 5000), OutputFields = fields,
            Tags = [new string('t', 3000)],
        };
        var enrichment = new Enrichment { Severity = "High", Category = "execution", Indicators = Enumerable.Range(0, 600).ToDictionary(i => $"ind{i}", _ => "x") };

        var message = JsonSerializer.SerializeToElement(DiscordPayload.Build(new Notification(big, "fp") { Enrichment = enrichment }, new DiscordSettings()));

        var embed = Assert.Single(message.GetProperty("embeds").EnumerateArray());
        var title = embed.GetProperty("title").GetString()!;
        var description = embed.GetProperty("description").GetString()!;
        Assert.Equal(256, title.Length);
        Assert.EndsWith("…", title);
        Assert.Equal(4096, description.Length);
        Assert.EndsWith("…", description);
        var shown = Fields(embed);
        Assert.InRange(shown.Count, 2, 25);
        Assert.All(shown, f => Assert.InRange(f.Name.Length, 1, 256));
        Assert.All(shown, f => Assert.InRange(f.Value.Length, 1, 1024));
        Assert.Equal(1024, shown.Single(f => f.Name == "Tags").Value.Length);
        Assert.InRange(title.Length + description.Length + shown.Sum(f => f.Name.Length + f.Value.Length), 5000, 6000);
        Assert.Equal("…", shown[^1].Name);
        Assert.Equal($"{4 + 1 + 2 + 600 + 400 - (shown.Count - 1)} more fields not shown", shown[^1].Value);
    }

    [Fact]
    public void A_cut_never_splits_a_surrogate_pair()
    {
        var alert = new FalcoAlert { Rule = "r", Priority = Priority.Critical, Time = TestAlerts.Shell().Time, Output = new string('x', 4094) + "😀😀" };
        var description = DiscordPayload.Build(new Notification(alert, "fp"), new DiscordSettings())["embeds"]![0]!["description"]!.GetValue<string>();
        Assert.Equal(new string('x', 4094) + "…", description);
    }

    [Fact]
    public void A_digest_shows_the_storm_count_span_and_samples()
    {
        var notification = TestAlerts.StormSummary();

        var embed = JsonSerializer.SerializeToElement(DiscordPayload.Build(notification, new DiscordSettings())).GetProperty("embeds")[0];

        Assert.Equal("Critical: Terminal shell in container (42 alerts)", embed.GetProperty("title").GetString());
        var fields = Fields(embed).Select(f => $"{f.Name}: {f.Value}").ToList();
        Assert.Contains("Storm summary: 42 alerts from 2023-05-25T13:44:05.000000000Z to 2023-05-25T13:45:05.000000000Z", fields);
        Assert.Contains(@"First: first \<shell\>", fields);
        Assert.Contains("k8s.ns.name: default", fields);
        Assert.Contains("Samples: • proc.name: sh, bash", fields);
    }

    [Fact]
    public void Markdown_and_mention_syntax_in_alert_text_is_shown_as_written()
    {
        Assert.Equal(@"\# \*bold\* \_it\_ \[x\](http://a) \<@123\> @everyone" + "\n" + @" \- item a-b \\" + "\n" + @"\-# small" + "\n" + "-1 # x",
            DiscordPayload.Escape("# *bold* _it_ [x](http://a) <@123> @everyone\n - item a-b \\\n-# small\n-1 # x"));
    }

    [Fact]
    public void Url_is_required_and_the_default_rate_is_one_a_second()
    {
        var bad = Configuration(new()
        {
            ["FalcoHook:Destinations:bad:Type"] = "discord",
            ["FalcoHook:Destinations:bad:AvatarUrl"] = "ftp://example.com/a.png",
        });
        using (var services = new ServiceCollection().AddDestinations(bad).BuildServiceProvider())
        {
            var failures = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<DestinationsOptions>>().Value).Failures;
            Assert.Equal(["FalcoHook:Destinations:bad:Url is required for type discord", "FalcoHook:Destinations:bad:AvatarUrl must be an absolute http or https URL"], failures);
        }

        var good = Configuration(new()
        {
            ["FalcoHook:Destinations:good:Type"] = "Discord",
            ["FalcoHook:Destinations:good:Url"] = "https://discord.com/api/webhooks/1/" + Token,
        });
        using (var services = new ServiceCollection().AddDestinations(good).BuildServiceProvider())
        {
            var destination = services.GetRequiredService<DestinationCatalog>().All["good"];
            Assert.Equal(1, destination.RatePerSecond);
            Assert.Equal("https://discord.com/<redacted>", Redaction.Url(destination.Endpoint!));
            Assert.Contains(Token, destination.Secrets);
        }
    }

    private static IConfiguration Configuration(Dictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private static List<(string Name, string Value, bool Inline)> Fields(JsonElement embed) =>
        embed.GetProperty("fields").EnumerateArray()
            .Select(f => (f.GetProperty("name").GetString()!, f.GetProperty("value").GetString()!, f.GetProperty("inline").GetBoolean())).ToList();
}
