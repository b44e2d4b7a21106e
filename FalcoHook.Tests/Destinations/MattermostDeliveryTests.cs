using System.Text.Json;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Destinations.Mattermost;
using FalcoHook.Core.Destinations.Templates;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: mattermost</c> against a real HTTP fake, checked against Mattermost's incoming webhook reference: a JSON
/// POST to <c>/hooks/{key}</c> with <c>text</c>, <c>channel</c>/<c>username</c>/<c>icon_url</c>/<c>icon_emoji</c> and
/// Slack-compatible <c>attachments</c> (<c>fallback</c>, <c>color</c>, <c>title</c>, <c>title_link</c>, <c>text</c>,
/// <c>fields</c>, <c>footer</c>); 200 <c>ok</c> on success.
/// </summary>
public sealed class MattermostDeliveryTests : ChatDeliveryContract
{
    private const string Key = "xq9kz7mbc3fy8rdw1ht5sopl2e";

    protected override Dictionary<string, string?> Settings(FakeReceiver receiver) => new()
    {
        ["FalcoHook:Destinations:chat:Type"] = "mattermost",
        ["FalcoHook:Destinations:chat:Url"] = receiver.Url("/hooks/" + Key),
        ["FalcoHook:Destinations:chat:RatePerSecond"] = "0",
    };

    protected override FakeResponse Success => FakeResponse.Ok("ok");

    protected override FakeResponse Refused => new(400,
        $$"""{"id":"web.incoming_webhook.invalid.app_error","message":"Invalid webhook {{Key}}.","status_code":400}""");

    protected override string RefusedError =>
        $$"""mattermost: HTTP 400: {"id":"web.incoming_webhook.invalid.app_error","message":"Invalid webhook {{Redaction.Mask}}.","status_code":400}""";

    protected override string Secret => Key;

    [Fact]
    public async Task Mattermost_gets_the_title_line_and_one_attachment_with_colour_facts_and_link()
    {
        var notification = InAPod();
        var request = await DeliverOneAsync(notification, new()
        {
            ["FalcoHook:Destinations:chat:Channel"] = "security",
            ["FalcoHook:Destinations:chat:Username"] = "falcohook",
            ["FalcoHook:Destinations:chat:IconUrl"] = "https://example.com/falco.png",
            ["FalcoHook:PublicUrl"] = "https://falcohook.example.com",
        });

        Assert.Equal("POST", request.Method);
        Assert.Equal("/hooks/" + Key, request.Path);
        Assert.Equal("application/json; charset=utf-8", request.Header("Content-Type"));
        var json = request.Json;
        Assert.Equal(["text", "channel", "username", "icon_url", "attachments"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("🔴 Critical: Terminal shell in container", json.GetProperty("text").GetString());
        Assert.Equal("security", json.GetProperty("channel").GetString());
        var attachment = Assert.Single(json.GetProperty("attachments").EnumerateArray());
        Assert.Equal(["fallback", "color", "title", "title_link", "text", "fields", "footer"], attachment.EnumerateObject().Select(p => p.Name));
        Assert.Equal("[Critical] Terminal shell in container", attachment.GetProperty("fallback").GetString());
        Assert.Equal("#ff5400", attachment.GetProperty("color").GetString());
        Assert.Equal("Critical: Terminal shell in container", attachment.GetProperty("title").GetString());
        Assert.Equal($"https://falcohook.example.com/ui/events/{notification.Origin!.InboxId}", attachment.GetProperty("title_link").GetString());
        Assert.Equal(notification.Alert.Output.Replace("_", @"\_", StringComparison.Ordinal), attachment.GetProperty("text").GetString());
        Assert.Equal(
            ["Priority: Critical", "Rule: Terminal shell in container", "Source: syscall", "Hostname: falco-xczjd", "Container: nginx",
             "Pod: nginx-7d9f8-x2x", "Namespace: default", "User: root", "Command: sh -c cat /etc/shadow", @"Tags: container, mitre\_execution, shell, T1059"],
            Fields(attachment).Select(f => $"{f.Title}: {f.Value}"));
        Assert.Equal([true, true, true, true, true, true, true, true, false, false], Fields(attachment).Select(f => f.Short));
        Assert.Equal("FalcoHook", attachment.GetProperty("footer").GetString());
    }

    [Fact]
    public void A_storm_summary_shows_its_count_span_and_samples_and_links_to_the_rule()
    {
        var storm = TestAlerts.StormSummary();
        var message = MessageRenderer.Plain(storm, bodyEncoder: MattermostPayload.Encoder, url: "https://f.example/ui/events?rule=x");

        var attachment = JsonSerializer.SerializeToElement(MattermostPayload.Build(storm, new MattermostSettings(), message)).GetProperty("attachments")[0];

        Assert.Equal("Critical: Terminal shell in container (42 alerts)", attachment.GetProperty("title").GetString());
        var fields = Fields(attachment).Select(f => $"{f.Title}: {f.Value}").ToList();
        Assert.Contains("Storm summary: 42 alerts from 2023-05-25T13:44:05.000000000Z to 2023-05-25T13:45:05.000000000Z", fields);
        Assert.Contains("k8s.ns.name: default", fields);
        Assert.Contains("proc.name: sh, bash", fields);
    }

    [Fact]
    public void Long_text_is_cut_within_the_post_limit()
    {
        var alert = TestAlerts.Shell();
        var big = new Core.Alerts.FalcoAlert { Rule = alert.Rule, Priority = alert.Priority, Time = alert.Time, Output = new string('o', 20_000), Tags = [new string('t', 5000)] };
        var notification = TestAlerts.FromInbox(big, "fp");

        var body = JsonSerializer.SerializeToElement(MattermostPayload.Build(notification, new MattermostSettings(), MessageRenderer.Plain(notification)));

        var attachment = body.GetProperty("attachments")[0];
        Assert.Equal(MattermostPayload.MaxText, attachment.GetProperty("text").GetString()!.Length);
        Assert.EndsWith("…", attachment.GetProperty("text").GetString());
        Assert.Equal(MattermostPayload.MaxFieldValue, Fields(attachment).Single(f => f.Title == "Tags").Value.Length);
        Assert.True(body.GetRawText().Length < 16_383, $"{body.GetRawText().Length} characters");
    }

    private static List<(string Title, string Value, bool Short)> Fields(JsonElement attachment) =>
        attachment.GetProperty("fields").EnumerateArray()
            .Select(f => (f.GetProperty("title").GetString()!, f.GetProperty("value").GetString()!, f.GetProperty("short").GetBoolean())).ToList();
}
