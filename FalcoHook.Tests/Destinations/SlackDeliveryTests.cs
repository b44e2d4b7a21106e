using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Destinations.Slack;
using FalcoHook.Core.Pipeline;
using Microsoft.Extensions.Time.Testing;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Destinations;

public sealed class SlackDeliveryTests
{
    private const string HookPath = "/services/T0001/B0002/abcdefghijklmnop";

    private static Dictionary<string, string?> Slack(FakeReceiver receiver, Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:slack-sec:Type"] = "slack",
            ["FalcoHook:Destinations:slack-sec:Url"] = receiver.Url(HookPath),
            ["FalcoHook:Destinations:slack-sec:RatePerSecond"] = "0",
        };
        foreach (var (k, v) in more ?? []) settings[k] = v;
        return settings;
    }

    [Fact]
    public async Task Slack_gets_a_coloured_attachment_with_block_kit_fields_and_enrichment()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = FakeResponse.Ok("ok");
        await using var host = await DeliveryTestHost.StartAsync(Slack(receiver, new()
        {
            ["FalcoHook:Destinations:slack-sec:Channel"] = "#security",
            ["FalcoHook:Destinations:slack-sec:Username"] = "falcohook",
            ["FalcoHook:Destinations:slack-sec:IconEmoji"] = ":falco:",
        }));
        var notification = TestAlerts.Notification(1) with
        {
            Enrichment = new Enrichment { Severity = "High", Category = "execution", Techniques = ["T1059", "T1609"] },
        };

        var id = (await host.EnqueueAsync(notification, "slack-sec")).Single();
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Equal(HookPath, request.Path);
        var json = request.Json;
        var output = notification.Alert.Output;
        Assert.Equal($"[Critical] Terminal shell in container: {output}", json.GetProperty("text").GetString());
        Assert.Equal("#security", json.GetProperty("channel").GetString());
        Assert.Equal("falcohook", json.GetProperty("username").GetString());
        Assert.Equal(":falco:", json.GetProperty("icon_emoji").GetString());
        Assert.False(json.TryGetProperty("icon_url", out _));
        var attachment = Assert.Single(json.GetProperty("attachments").EnumerateArray());
        Assert.Equal("#ff5400", attachment.GetProperty("color").GetString());
        var blocks = attachment.GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal("header", blocks[0].GetProperty("type").GetString());
        Assert.Equal("Critical: Terminal shell in container", blocks[0].GetProperty("text").GetProperty("text").GetString());
        Assert.Equal(output, blocks[1].GetProperty("text").GetProperty("text").GetString());
        Assert.Equal("mrkdwn", blocks[1].GetProperty("text").GetProperty("type").GetString());
        Assert.Equal(
            ["*Rule*\nTerminal shell in container", "*Priority*\nCritical", "*Source*\nsyscall", "*Hostname*\nfalco-xczjd",
             "*Tags*\ncontainer, mitre_execution, shell, T1059", "*Time*\n2023-05-25T13:44:05.478445996Z"],
            Fields(blocks[2]));
        Assert.Equal(
            ["*container.id*\nee97d9c4186f", "*evt.time*\n1685022245478445995", "*proc.name*\nsh", "*k8s.ns.name*\ndefault", "*user.loginuid*\n-1"],
            Fields(blocks[3]));
        Assert.Equal(["*Severity*\nHigh", "*Category*\nexecution", "*MITRE ATT&amp;CK*\nT1059, T1609"], Fields(blocks[4]));
        Assert.Equal(5, blocks.Count);
    }

    [Fact]
    public async Task A_400_invalid_payload_is_dead_at_once_with_slacks_error_string()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(400, "invalid_payload");
        await using var host = await DeliveryTestHost.StartAsync(Slack(receiver));

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "slack-sec")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Dead);

        Assert.Equal("slack: HTTP 400: invalid_payload", record.LastError);
        Assert.Single(receiver.Requests);
    }

    [Fact]
    public async Task A_200_without_ok_is_not_counted_as_delivered()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = FakeResponse.Ok("no_text");
        await using var host = await DeliveryTestHost.StartAsync(Slack(receiver));

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "slack-sec")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Dead);

        Assert.Equal("slack: HTTP 200: no_text", record.LastError);
    }

    [Fact]
    public async Task Slack_is_held_to_one_message_a_second_by_default()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        await using var receiver = await FakeReceiver.StartAsync(time);
        receiver.Default = FakeResponse.Ok("ok");
        var settings = Slack(receiver);
        settings.Remove("FalcoHook:Destinations:slack-sec:RatePerSecond");
        await using var host = await DeliveryTestHost.StartAsync(settings, time);

        foreach (var n in Enumerable.Range(0, 3)) await host.EnqueueAsync(TestAlerts.Notification(n), "slack-sec");
        await receiver.WaitForRequestsAsync(1);
        await Eventually.SteppingAsync(() => receiver.Requests.Count >= 3, () => time.Advance(TimeSpan.FromMilliseconds(100)),
            "the rate-limited sends", maxSteps: 100);

        // A request is stamped when it arrives, never before it was sent: the k-th send is at start + k s or later.
        var at = receiver.Requests.Select(r => r.ReceivedAt).ToList();
        Assert.Equal(start, at[0]);
        Assert.True(at[1] >= start.AddSeconds(1), $"second send at {at[1] - start}");
        Assert.True(at[2] >= start.AddSeconds(2), $"third send at {at[2] - start}");
    }

    [Theory]
    [InlineData(Priority.Emergency, "#e20b0b")]
    [InlineData(Priority.Alert, "#ff5400")]
    [InlineData(Priority.Critical, "#ff5400")]
    [InlineData(Priority.Error, "#e20b0b")]
    [InlineData(Priority.Warning, "#ffc700")]
    [InlineData(Priority.Notice, "#5bffb5")]
    [InlineData(Priority.Informational, "#68c2ff")]
    [InlineData(Priority.Debug, "#ccfff2")]
    public void Colour_follows_the_priority(Priority priority, string colour) =>
        Assert.Equal(colour, SlackPayload.Build(TestAlerts.Notification(0, priority), new SlackSettings())["attachments"]![0]!["color"]!.GetValue<string>());

    [Fact]
    public void Long_text_and_many_fields_stay_within_slacks_limits()
    {
        var alert = TestAlerts.Shell();
        var fields = Enumerable.Range(0, 400).ToDictionary(i => $"field.{i:D3}", i => JsonDocument.Parse($"\"{new string('v', 2500)}\"").RootElement.Clone());
        var big = new FalcoAlert
        {
            Rule = new string('R', 400), Priority = alert.Priority, Time = alert.Time, Output = new string('o', 5000), OutputFields = fields,
        };
        var enrichment = new Enrichment
        {
            Severity = "High", Category = "execution",
            Indicators = Enumerable.Range(0, 600).ToDictionary(i => $"ind{i}", i => "x"),
        };
        var message = JsonSerializer.SerializeToElement(SlackPayload.Build(new Notification(big, "fp") { Enrichment = enrichment }, new SlackSettings()));

        var blocks = message.GetProperty("attachments")[0].GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal(SlackPayload.MaxBlocks, blocks.Count);
        var header = blocks[0].GetProperty("text").GetProperty("text").GetString()!;
        Assert.Equal(150, header.Length);
        Assert.EndsWith("…", header);
        var text = blocks[1].GetProperty("text").GetProperty("text").GetString()!;
        Assert.Equal(3000, text.Length);
        Assert.EndsWith("…", text);
        foreach (var block in blocks.Where(b => b.TryGetProperty("fields", out _)))
        {
            Assert.InRange(block.GetProperty("fields").GetArrayLength(), 1, 10);
            Assert.All(block.GetProperty("fields").EnumerateArray(), f => Assert.InRange(f.GetProperty("text").GetString()!.Length, 1, 2000));
        }
        Assert.Contains("380 more fields", message.ToString());
        Assert.Equal("context", blocks[^1].GetProperty("type").GetString());
    }

    [Fact]
    public void A_digest_is_rendered_as_a_storm_summary()
    {
        var notification = TestAlerts.StormSummary();

        var message = JsonSerializer.SerializeToElement(SlackPayload.Build(notification, new SlackSettings()));
        var blocks = message.GetProperty("attachments")[0].GetProperty("blocks").EnumerateArray().ToList();

        Assert.Equal("Critical: Terminal shell in container (42 alerts)", blocks[0].GetProperty("text").GetProperty("text").GetString());
        var texts = blocks.Where(b => b.TryGetProperty("text", out _)).Select(b => b.GetProperty("text").GetProperty("text").GetString()).ToList();
        Assert.Contains("*Storm summary*: 42 alerts from 2023-05-25T13:44:05.000000000Z to 2023-05-25T13:45:05.000000000Z\n*First*: first &lt;shell&gt;", texts);
        Assert.Contains("*Samples*\n• proc.name: sh, bash", texts);
        var fields = blocks.Where(b => b.TryGetProperty("fields", out _)).SelectMany(Fields).ToList();
        Assert.Contains("*Count*\n42", fields);
        Assert.Contains("*k8s.ns.name*\ndefault", fields);
    }

    private static List<string> Fields(JsonElement block) =>
        block.GetProperty("fields").EnumerateArray().Select(f => f.GetProperty("text").GetString()!).ToList();
}
