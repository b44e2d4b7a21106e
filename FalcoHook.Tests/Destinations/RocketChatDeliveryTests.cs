using System.Text.Json;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Destinations.RocketChat;
using FalcoHook.Core.Destinations.Templates;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: rocketchat</c> against a real HTTP fake, checked against Rocket.Chat's incoming webhook integration: a JSON
/// POST to <c>/hooks/{id}/{token}</c> with <c>text</c>, <c>channel</c>, <c>alias</c>, <c>emoji</c>, <c>avatar</c> and
/// <c>attachments</c>; <c>{"success": true}</c> on success, <c>{"success": false, "error": …}</c> on failure.
/// </summary>
public sealed class RocketChatDeliveryTests : ChatDeliveryContract
{
    private const string HookPath = "/hooks/6d2b8f9a1c4e5f70/Zk3PqR8sT2vW9xY4aB7cD1eF";
    private const string Token = "Zk3PqR8sT2vW9xY4aB7cD1eF";

    protected override Dictionary<string, string?> Settings(FakeReceiver receiver) => new()
    {
        ["FalcoHook:Destinations:chat:Type"] = "rocketchat",
        ["FalcoHook:Destinations:chat:Url"] = receiver.Url(HookPath),
        ["FalcoHook:Destinations:chat:RatePerSecond"] = "0",
    };

    protected override FakeResponse Success => FakeResponse.Ok("""{"success":true}""");

    protected override FakeResponse Refused => new(404, $$"""{"success":false,"error":"Invalid integration id or token {{Token}}"}""");

    protected override string RefusedError => $$"""rocketchat: HTTP 404: {"success":false,"error":"Invalid integration id or token {{Redaction.Mask}}"}""";

    protected override string Secret => Token;

    [Fact]
    public async Task Rocket_chat_gets_the_title_line_and_an_attachment_with_colour_facts_and_link()
    {
        var notification = InAPod();
        var request = await DeliverOneAsync(notification, new()
        {
            ["FalcoHook:Destinations:chat:Channel"] = "#security",
            ["FalcoHook:Destinations:chat:Alias"] = "FalcoHook",
            ["FalcoHook:Destinations:chat:Emoji"] = ":rotating_light:",
            ["FalcoHook:PublicUrl"] = "https://falcohook.example.com",
        });

        Assert.Equal("POST", request.Method);
        Assert.Equal(HookPath, request.Path);
        Assert.Equal("application/json; charset=utf-8", request.Header("Content-Type"));
        var json = request.Json;
        Assert.Equal(["text", "channel", "alias", "emoji", "attachments"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("🔴 Critical: Terminal shell in container", json.GetProperty("text").GetString());
        var attachment = Assert.Single(json.GetProperty("attachments").EnumerateArray());
        Assert.Equal("#ff5400", attachment.GetProperty("color").GetString());
        Assert.Equal($"https://falcohook.example.com/ui/events/{notification.Origin!.InboxId}", attachment.GetProperty("title_link").GetString());
        Assert.Equal(notification.Alert.Output.Replace("_", @"\_", StringComparison.Ordinal), attachment.GetProperty("text").GetString());
        var fields = attachment.GetProperty("fields").EnumerateArray().Select(f => $"{f.GetProperty("title").GetString()}: {f.GetProperty("value").GetString()}");
        Assert.Equal(
            ["Priority: Critical", "Rule: Terminal shell in container", "Source: syscall", "Hostname: falco-xczjd", "Container: nginx",
             "Pod: nginx-7d9f8-x2x", "Namespace: default", "User: root", "Command: sh -c cat /etc/shadow", @"Tags: container, mitre\_execution, shell, T1059"],
            fields);
    }

    [Fact]
    public async Task A_200_that_says_no_success_is_dead_with_rocket_chats_error()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = FakeResponse.Ok("""{"success":false,"error":"error-invalid-channel"}""");
        await using var host = await DeliveryTestHost.StartAsync(Settings(receiver));

        var id = (await host.EnqueueAsync(InAPod(), Chat)).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Dead);

        Assert.Equal("""rocketchat: HTTP 200: {"success":false,"error":"error-invalid-channel"}""", record.LastError);
    }

    [Fact]
    public void A_storm_summary_is_counted_and_sampled_and_long_text_is_cut()
    {
        var storm = TestAlerts.StormSummary();
        var alert = storm.Alert;
        var big = storm with { Alert = new Core.Alerts.FalcoAlert { Rule = alert.Rule, Priority = alert.Priority, Time = alert.Time, Output = new string('o', 9000) } };

        var attachment = JsonSerializer.SerializeToElement(RocketChatPayload.Build(big, new RocketChatSettings(), MessageRenderer.Plain(big)))
            .GetProperty("attachments")[0];

        Assert.Equal("Critical: Terminal shell in container (42 alerts)", attachment.GetProperty("title").GetString());
        Assert.Equal(RocketChatPayload.MaxText, attachment.GetProperty("text").GetString()!.Length);
        var fields = attachment.GetProperty("fields").EnumerateArray().Select(f => $"{f.GetProperty("title").GetString()}: {f.GetProperty("value").GetString()}").ToList();
        Assert.Contains("Storm summary: 42 alerts from 2023-05-25T13:44:05.000000000Z to 2023-05-25T13:45:05.000000000Z", fields);
        Assert.Contains("proc.name: sh, bash", fields);
    }
}
