using System.Text;
using System.Text.Json;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Destinations.Teams;
using FalcoHook.Core.Destinations.Templates;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: teams</c> against a real HTTP fake, checked against Teams' Workflows webhook reference: a JSON POST of
/// <c>{"type": "message", "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": null,
/// "content": AdaptiveCard}]}</c> to the whole webhook URL (its query carries the signature), 202 on success, at most 28 KB.
/// </summary>
public sealed class TeamsDeliveryTests : ChatDeliveryContract
{
    private const string Sig = "Q2hhbmdlTWVQbGVhc2UtMDEyMzQ1Njc4OWFi";
    private const string HookPath = "/workflows/7c1f0e2d9b8a4c3e/triggers/manual/paths/invoke";
    private const string HookQuery = "?api-version=1&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + Sig;

    protected override Dictionary<string, string?> Settings(FakeReceiver receiver) => new()
    {
        ["FalcoHook:Destinations:chat:Type"] = "teams",
        ["FalcoHook:Destinations:chat:Url"] = receiver.Url(HookPath + HookQuery),
        ["FalcoHook:Destinations:chat:RatePerSecond"] = "0",
    };

    protected override FakeResponse Success => new(202);

    protected override FakeResponse Refused => new(400, $$$"""{"error":{"code":"InvalidRequestContent","message":"bad signature {{{Sig}}}"}}""");

    protected override string RefusedError => $$$"""teams: HTTP 400: {"error":{"code":"InvalidRequestContent","message":"bad signature {{{Redaction.Mask}}}"}}""";

    protected override string Secret => Sig;

    [Fact]
    public async Task Teams_gets_one_adaptive_card_with_the_priority_style_facts_and_the_link()
    {
        var notification = InAPod();
        var request = await DeliverOneAsync(notification, new()
        {
            ["FalcoHook:PublicUrl"] = "https://falcohook.example.com",
        });

        Assert.Equal("POST", request.Method);
        Assert.Equal(HookPath, request.Path);
        Assert.Equal(HookQuery, request.Query);
        Assert.Equal("application/json; charset=utf-8", request.Header("Content-Type"));
        var json = request.Json;
        Assert.Equal("message", json.GetProperty("type").GetString());
        var attachment = Assert.Single(json.GetProperty("attachments").EnumerateArray());
        Assert.Equal("application/vnd.microsoft.card.adaptive", attachment.GetProperty("contentType").GetString());
        Assert.Equal(JsonValueKind.Null, attachment.GetProperty("contentUrl").ValueKind);
        var card = attachment.GetProperty("content");
        Assert.Equal("AdaptiveCard", card.GetProperty("type").GetString());
        Assert.Equal("1.4", card.GetProperty("version").GetString());
        Assert.Equal("http://adaptivecards.io/schemas/adaptive-card.json", card.GetProperty("$schema").GetString());
        var body = card.GetProperty("body");
        Assert.Equal("Container", body[0].GetProperty("type").GetString());
        Assert.Equal("attention", body[0].GetProperty("style").GetString());
        Assert.Equal("🔴 Critical: Terminal shell in container", body[0].GetProperty("items")[0].GetProperty("text").GetString());
        Assert.Equal(notification.Alert.Output.Replace("_", @"\_", StringComparison.Ordinal), body[1].GetProperty("text").GetString());
        Assert.True(body[1].GetProperty("wrap").GetBoolean());
        Assert.Equal("FactSet", body[2].GetProperty("type").GetString());
        Assert.Equal(
            ["Priority: Critical", "Rule: Terminal shell in container", "Source: syscall", "Hostname: falco-xczjd", "Container: nginx",
             "Pod: nginx-7d9f8-x2x", "Namespace: default", "User: root", "Command: sh -c cat /etc/shadow", @"Tags: container, mitre\_execution, shell, T1059"],
            body[2].GetProperty("facts").EnumerateArray().Select(f => $"{f.GetProperty("title").GetString()}: {f.GetProperty("value").GetString()}"));
        var action = Assert.Single(card.GetProperty("actions").EnumerateArray());
        Assert.Equal("Action.OpenUrl", action.GetProperty("type").GetString());
        Assert.Equal($"https://falcohook.example.com/ui/events/{notification.Origin!.InboxId}", action.GetProperty("url").GetString());
    }

    [Fact]
    public void A_storm_summary_has_its_count_and_samples_and_a_huge_alert_stays_under_28_kb()
    {
        var storm = TestAlerts.StormSummary();
        var alert = storm.Alert;
        var big = storm with { Alert = new Core.Alerts.FalcoAlert { Rule = alert.Rule, Priority = alert.Priority, Time = alert.Time, Output = new string('é', 30_000) } };

        var json = TeamsPayload.Build(big, MessageRenderer.Plain(big)).ToJsonString();
        var body = JsonDocument.Parse(json).RootElement.GetProperty("attachments")[0].GetProperty("content").GetProperty("body");

        Assert.InRange(Encoding.UTF8.GetByteCount(json), 1, TeamsPayload.MaxBytes);
        Assert.EndsWith("…", body[1].GetProperty("text").GetString());
        Assert.Equal("Storm summary: 42 alerts from 2023-05-25T13:44:05.000000000Z to 2023-05-25T13:45:05.000000000Z", body[3].GetProperty("text").GetString());
        Assert.Contains("proc.name: sh, bash", body[4].GetProperty("facts").EnumerateArray().Select(f => $"{f.GetProperty("title").GetString()}: {f.GetProperty("value").GetString()}"));
    }

    [Fact]
    public async Task Markdown_in_the_alert_shows_as_written_while_the_templates_own_markdown_is_kept()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = Success;
        var settings = Settings(receiver);
        settings["FalcoHook:Destinations:chat:Template:Body"] = "**Output:** {{ output }}";
        await using var host = await DeliveryTestHost.StartAsync(settings);
        var pod = InAPod();
        var tricky = pod with
        {
            Alert = new Core.Alerts.FalcoAlert
            {
                Rule = "Read *shadow* [file]", Priority = pod.Alert.Priority, Time = pod.Alert.Time, Hostname = "node_1",
                Output = "cat /etc/*_backup [see](http://x) a\\b\n- not a list\n2. nor this", Tags = ["T1059", "mitre_execution"],
            },
        };

        var id = (await host.EnqueueAsync(tricky, Chat)).Single();
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        await host.WaitForStateAsync(id, DeliveryState.Delivered);

        var body = request.Json.GetProperty("attachments")[0].GetProperty("content").GetProperty("body");
        Assert.Equal(@"🔴 Critical: Read \*shadow\* \[file\]", body[0].GetProperty("items")[0].GetProperty("text").GetString());
        Assert.Equal("**Output:** cat /etc/\\*\\_backup \\[see\\](http://x) a\\\\b\n\\- not a list\n2\\. nor this", body[1].GetProperty("text").GetString());
        var facts = body[2].GetProperty("facts").EnumerateArray().Select(f => $"{f.GetProperty("title").GetString()}: {f.GetProperty("value").GetString()}").ToList();
        Assert.Contains(@"Rule: Read \*shadow\* \[file\]", facts);
        Assert.Contains(@"Hostname: node\_1", facts);
        Assert.Contains(@"Tags: T1059, mitre\_execution", facts);
    }

    [Fact]
    public void A_cut_never_leaves_an_escaping_backslash_before_the_ellipsis()
    {
        var storm = TestAlerts.StormSummary();
        var output = new string('a', TeamsPayload.MaxBody - 2) + "*tail";
        var big = storm with { Digest = null, Alert = new Core.Alerts.FalcoAlert { Rule = "r", Priority = storm.Alert.Priority, Time = storm.Alert.Time, Output = output } };

        var json = TeamsPayload.Build(big, MessageRenderer.Plain(big, bodyEncoder: TeamsPayload.Encoder)).ToJsonString();
        var text = JsonDocument.Parse(json).RootElement.GetProperty("attachments")[0].GetProperty("content").GetProperty("body")[1].GetProperty("text").GetString()!;

        Assert.Equal(new string('a', TeamsPayload.MaxBody - 2) + "…", text);
    }
}
