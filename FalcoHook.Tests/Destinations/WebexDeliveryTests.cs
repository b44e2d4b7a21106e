using System.Text;
using System.Text.Json;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Destinations.Templates;
using FalcoHook.Core.Destinations.Webex;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: webex</c> against a real HTTP fake, checked against Webex's Create a Message reference: a JSON POST to
/// <c>/v1/messages</c> with <c>Authorization: Bearer {token}</c>, one of <c>roomId</c> or <c>toPersonEmail</c>,
/// <c>markdown</c> of at most 7,439 bytes, optionally one Adaptive Card in <c>attachments</c>; and the incoming webhook,
/// a POST of <c>{"markdown"}</c> to its URL without a token.
/// </summary>
public sealed class WebexDeliveryTests : ChatDeliveryContract
{
    private const string Token = "NmY0ZjJiZTAtYjI1Ny00ZDkxLWE3ZjMtOWU3ZTMwYjcxYTVh_PF84_1eb65fdf-9643-417f-9974-ad72cae0e10f";
    private const string Room = "Y2lzY29zcGFyazovL3VzL1JPT00vYmJjZWIxYWQtNDNmMS0zYjU4LTkxNDctZjE0YmIwYzRkMTU0";

    protected override Dictionary<string, string?> Settings(FakeReceiver receiver) => new()
    {
        ["FalcoHook:Destinations:chat:Type"] = "webex",
        ["FalcoHook:Destinations:chat:Token"] = Token,
        ["FalcoHook:Destinations:chat:RoomId"] = Room,
        ["FalcoHook:Destinations:chat:Url"] = receiver.Url("/v1/messages"),
        ["FalcoHook:Destinations:chat:RatePerSecond"] = "0",
    };

    protected override FakeResponse Success => FakeResponse.Ok($$"""{"id":"Y2lzY29zcGFyazovL3VzL01FU1NBR0UvOTJkYjNiZTAtNDNiZC0xMWU2LThhZTktZGQ1YjNkZmM1NjVk","roomId":"{{Room}}"}""");

    protected override FakeResponse Refused =>
        new(400, $$$"""{"message":"Unable to post with token {{{Token}}}","errors":[{"description":"bad request"}],"trackingId":"ROUTER_6479"}""");

    protected override string RefusedError =>
        $$$"""webex: HTTP 400: {"message":"Unable to post with token {{{Redaction.Mask}}}","errors":[{"description":"bad request"}],"trackingId":"ROUTER_6479"}""";

    protected override string Secret => Token;

    [Fact]
    public async Task A_bot_posts_markdown_to_the_room_with_its_bearer_token()
    {
        var notification = InAPod();
        var request = await DeliverOneAsync(notification, new()
        {
            ["FalcoHook:PublicUrl"] = "https://falcohook.example.com",
        });

        Assert.Equal("POST", request.Method);
        Assert.Equal("/v1/messages", request.Path);
        Assert.Equal($"Bearer {Token}", request.Header("Authorization"));
        Assert.Equal("application/json; charset=utf-8", request.Header("Content-Type"));
        var json = request.Json;
        Assert.Equal(["roomId", "markdown"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(Room, json.GetProperty("roomId").GetString());
        Assert.Equal(
            "🔴 **Critical: Terminal shell in container**\n" + ChatFormat.EscapeMarkdown(notification.Alert.Output) + "\n\n" +
            "**Priority:** Critical\n**Rule:** Terminal shell in container\n**Source:** syscall\n**Hostname:** falco-xczjd\n**Container:** nginx\n" +
            "**Pod:** nginx-7d9f8-x2x\n**Namespace:** default\n**User:** root\n**Command:** sh -c cat /etc/shadow\n" +
            @"**Tags:** container, mitre\_execution, shell, T1059" + "\n\n" +
            $"[Open in FalcoHook](https://falcohook.example.com/ui/events/{notification.Origin!.InboxId})",
            json.GetProperty("markdown").GetString());
    }

    [Fact]
    public async Task A_bot_writing_to_a_person_attaches_an_adaptive_card_escaped_for_its_markdown()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = Success;
        var settings = Settings(receiver);
        settings.Remove("FalcoHook:Destinations:chat:RoomId");
        settings["FalcoHook:Destinations:chat:ToPersonEmail"] = "oncall@example.com";
        settings["FalcoHook:Destinations:chat:Card"] = "true";
        await using var host = await DeliveryTestHost.StartAsync(settings);
        var notification = InAPod();

        var id = (await host.EnqueueAsync(notification, Chat)).Single();
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        await host.WaitForStateAsync(id, DeliveryState.Delivered);

        var json = request.Json;
        Assert.Equal(["toPersonEmail", "markdown", "attachments"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("oncall@example.com", json.GetProperty("toPersonEmail").GetString());
        var attachment = Assert.Single(json.GetProperty("attachments").EnumerateArray());
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment.GetProperty("contentType").GetString());
        var card = attachment.GetProperty("content");
        Assert.Equal("AdaptiveCard", card.GetProperty("type").GetString());
        Assert.Equal("1.3", card.GetProperty("version").GetString());
        var body = card.GetProperty("body");
        Assert.Equal("🔴 Critical: Terminal shell in container", body[0].GetProperty("text").GetString());
        Assert.Equal(ChatFormat.EscapeAdaptiveCard(notification.Alert.Output), body[1].GetProperty("text").GetString());
        Assert.Contains(@"Tags: container, mitre\_execution, shell, T1059",
            body[2].GetProperty("facts").EnumerateArray().Select(f => $"{f.GetProperty("title").GetString()}: {f.GetProperty("value").GetString()}"));
    }

    [Fact]
    public async Task An_incoming_webhook_gets_markdown_only_and_no_token()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = new FakeResponse(204);
        const string hook = "/v1/webhooks/incoming/Y2lzY29zcGFyazovL3VzL1dFQkhPT0svOTZhYmMyYWEtM2RjYy0xMWU1LWExNTItZmUzNDgxOWNkYzlh";
        await using var host = await DeliveryTestHost.StartAsync(new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:chat:Type"] = "webex",
            ["FalcoHook:Destinations:chat:Url"] = receiver.Url(hook),
            ["FalcoHook:Destinations:chat:RatePerSecond"] = "0",
        });

        var id = (await host.EnqueueAsync(InAPod(), Chat)).Single();
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.Equal(hook, request.Path);
        Assert.Null(request.Header("Authorization"));
        Assert.Equal(["markdown"], request.Json.EnumerateObject().Select(p => p.Name));
        Assert.StartsWith("🔴 **Critical: Terminal shell in container**\n", request.Json.GetProperty("markdown").GetString());
    }

    [Fact]
    public void The_markdown_stays_within_7439_bytes_keeping_the_facts_and_the_storm_summary()
    {
        var storm = TestAlerts.StormSummary();
        var alert = storm.Alert;
        var big = storm with { Alert = new Core.Alerts.FalcoAlert { Rule = alert.Rule, Priority = alert.Priority, Time = alert.Time, Output = new string('é', 9000) } };

        var markdown = WebexPayload.Markdown(big, MessageRenderer.Plain(big, bodyEncoder: WebexPayload.Encoder));

        Assert.InRange(Encoding.UTF8.GetByteCount(markdown), WebexPayload.MaxMarkdownBytes - 8, WebexPayload.MaxMarkdownBytes);
        Assert.Contains("é…\n\n**Priority:** Critical", markdown);
        Assert.Contains("**Storm summary:** 42 alerts from 2023-05-25T13:44:05.000000000Z to 2023-05-25T13:45:05.000000000Z", markdown);
        Assert.EndsWith("**proc.name:** sh, bash", markdown);
    }

    [Fact]
    public async Task A_bot_needs_exactly_one_of_room_and_person()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var settings = Settings(receiver);
        settings["FalcoHook:Destinations:chat:ToPersonEmail"] = "oncall@example.com";

        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => DeliveryTestHost.StartAsync(settings));

        Assert.Contains("FalcoHook:Destinations:chat:RoomId or ToPersonEmail is required for a bot (exactly one)", failure.Failures);
    }
}
