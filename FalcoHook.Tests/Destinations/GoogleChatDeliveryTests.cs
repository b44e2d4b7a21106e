using System.Text;
using System.Text.Json;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Destinations.GoogleChat;
using FalcoHook.Core.Destinations.Templates;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: googlechat</c> against a real HTTP fake, checked against Google Chat's spaces.messages reference: a JSON POST
/// of a <c>Message</c> to the whole webhook URL (its <c>key</c> and <c>token</c> query), <c>cardsV2</c> of
/// <c>{cardId, card: {header, sections: [{widgets}]}}</c> with <c>fallbackText</c>, or <c>text</c> of at most 4,096
/// characters; <c>thread.threadKey</c> with <c>messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD</c>; at most 32,000 bytes.
/// </summary>
public sealed class GoogleChatDeliveryTests : ChatDeliveryContract
{
    private const string Token = "q9W2eR4tY6uI8oP0aS1dF3gH5jK7lZxCvBnM_AbCdEf=";
    private const string HookPath = "/v1/spaces/AAAAx1y2z3w/messages";
    private const string HookQuery = "?key=AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI&token=q9W2eR4tY6uI8oP0aS1dF3gH5jK7lZxCvBnM_AbCdEf%3D";

    protected override Dictionary<string, string?> Settings(FakeReceiver receiver) => new()
    {
        ["FalcoHook:Destinations:chat:Type"] = "googlechat",
        ["FalcoHook:Destinations:chat:Url"] = receiver.Url(HookPath + HookQuery),
        ["FalcoHook:Destinations:chat:RatePerSecond"] = "0",
    };

    protected override FakeResponse Success => FakeResponse.Ok("""{"name":"spaces/AAAAx1y2z3w/messages/abc.abc","text":""}""");

    protected override FakeResponse Refused =>
        new(400, $$$"""{"error":{"code":400,"message":"Invalid token {{{Token}}}","status":"INVALID_ARGUMENT"}}""");

    protected override string RefusedError =>
        $$$"""googlechat: HTTP 400: {"error":{"code":400,"message":"Invalid token {{{Redaction.Mask}}}","status":"INVALID_ARGUMENT"}}""";

    protected override string Secret => Token;

    private static string[] Facts(JsonElement section) =>
        section.GetProperty("widgets").EnumerateArray()
            .Select(w => w.GetProperty("decoratedText"))
            .Select(d => $"{d.GetProperty("topLabel").GetString()}: {d.GetProperty("text").GetString()}").ToArray();

    [Fact]
    public async Task Google_chat_gets_a_card_with_header_body_facts_and_link_to_the_whole_webhook_url()
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
        Assert.Equal(["fallbackText", "cardsV2"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("🔴 Critical: Terminal shell in container", json.GetProperty("fallbackText").GetString());
        var cardWithId = Assert.Single(json.GetProperty("cardsV2").EnumerateArray());
        Assert.Equal(GoogleChatPayload.CardId, cardWithId.GetProperty("cardId").GetString());
        var card = cardWithId.GetProperty("card");
        Assert.Equal("🔴 Critical: Terminal shell in container", card.GetProperty("header").GetProperty("title").GetString());
        Assert.Equal("Falco on falco-xczjd", card.GetProperty("header").GetProperty("subtitle").GetString());
        var sections = card.GetProperty("sections");
        Assert.Equal(3, sections.GetArrayLength());
        Assert.Equal(ChatFormat.EscapeHtml(notification.Alert.Output), sections[0].GetProperty("widgets")[0].GetProperty("textParagraph").GetProperty("text").GetString());
        Assert.Equal("Details", sections[1].GetProperty("header").GetString());
        Assert.Equal(
            ["Priority: Critical", "Rule: Terminal shell in container", "Source: syscall", "Hostname: falco-xczjd", "Container: nginx",
             "Pod: nginx-7d9f8-x2x", "Namespace: default", "User: root", "Command: sh -c cat /etc/shadow", "Tags: container, mitre_execution, shell, T1059"],
            Facts(sections[1]));
        var button = Assert.Single(sections[2].GetProperty("widgets")[0].GetProperty("buttonList").GetProperty("buttons").EnumerateArray());
        Assert.Equal("Open in FalcoHook", button.GetProperty("text").GetString());
        Assert.Equal($"https://falcohook.example.com/ui/events/{notification.Origin!.InboxId}",
            button.GetProperty("onClick").GetProperty("openLink").GetProperty("url").GetString());
    }

    [Fact]
    public async Task Threaded_by_fingerprint_the_message_names_its_thread_and_the_url_asks_to_reply_in_it()
    {
        var notification = InAPod(7);
        var request = await DeliverOneAsync(notification, new()
        {
            ["FalcoHook:Destinations:chat:ThreadBy"] = "fingerprint",
        });

        Assert.Equal(HookPath, request.Path);
        Assert.Equal(HookQuery + "&messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD", request.Query);
        Assert.Equal("fp-0007", request.Json.GetProperty("thread").GetProperty("threadKey").GetString());
    }

    [Fact]
    public async Task A_text_message_is_google_chat_markup_of_at_most_4096_characters()
    {
        var notification = InAPod();
        var request = await DeliverOneAsync(notification, new()
        {
            ["FalcoHook:Destinations:chat:Format"] = "text",
            ["FalcoHook:Destinations:chat:ThreadKey"] = "falco-alerts",
        });

        var json = request.Json;
        Assert.Equal(["text", "thread"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal("falco-alerts", json.GetProperty("thread").GetProperty("threadKey").GetString());
        var text = json.GetProperty("text").GetString()!;
        Assert.StartsWith($"🔴 *Critical: Terminal shell in container*\n{notification.Alert.Output}\n\n*Priority:* Critical\n", text);
        Assert.Contains("*Command:* sh -c cat /etc/shadow", text);

        var big = InAPod() with { Alert = new Core.Alerts.FalcoAlert { Rule = "r", Priority = Core.Alerts.Priority.Warning, Time = notification.Alert.Time, Output = new string('x', 9000) } };
        var cut = GoogleChatPayload.Text(big, MessageRenderer.Plain(big))["text"]!.GetValue<string>();
        Assert.Equal(GoogleChatPayload.MaxText, cut.Length);
        Assert.EndsWith("*Priority:* Warning\n*Rule:* r\n*Source:* syscall\n*Hostname:* -", cut);
    }

    [Fact]
    public void Card_text_is_html_escaped_a_storm_summary_has_its_section_and_a_huge_alert_stays_under_32000_bytes()
    {
        var storm = TestAlerts.StormSummary();
        var alert = storm.Alert;
        var big = storm with { Alert = new Core.Alerts.FalcoAlert { Rule = alert.Rule, Priority = alert.Priority, Time = alert.Time, Output = "<b>&" + new string('é', 30_000) } };
        var attempt = new DeliveryAttempt("d1", null!, big, 1);

        var json = GoogleChatPayload.Build(attempt, new GoogleChatSettings(), MessageRenderer.Plain(big, bodyEncoder: GoogleChatPayload.CardEncoder)).ToJsonString();
        var sections = JsonDocument.Parse(json).RootElement.GetProperty("cardsV2")[0].GetProperty("card").GetProperty("sections");

        Assert.InRange(Encoding.UTF8.GetByteCount(json), 1, 32_000);
        var body = sections[0].GetProperty("widgets")[0].GetProperty("textParagraph").GetProperty("text").GetString()!;
        Assert.StartsWith("&lt;b&gt;&amp;éé", body);
        Assert.EndsWith("é…", body);
        Assert.Equal("Storm summary", sections[2].GetProperty("header").GetString());
        Assert.Equal("42 alerts from 2023-05-25T13:44:05.000000000Z to 2023-05-25T13:45:05.000000000Z",
            sections[2].GetProperty("widgets")[0].GetProperty("textParagraph").GetProperty("text").GetString());
        Assert.Contains("proc.name: sh, bash", Facts(JsonDocument.Parse(
            JsonSerializer.Serialize(new { widgets = sections[2].GetProperty("widgets").EnumerateArray().Skip(1) })).RootElement));
    }

    [Fact]
    public async Task A_thread_key_together_with_thread_by_stops_start_up_naming_the_keys()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        var settings = Settings(receiver);
        settings["FalcoHook:Destinations:chat:ThreadKey"] = "k";
        settings["FalcoHook:Destinations:chat:ThreadBy"] = "rule";

        var failure = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => DeliveryTestHost.StartAsync(settings));

        Assert.Contains("FalcoHook:Destinations:chat:ThreadKey and ThreadBy exclude each other", failure.Failures);
    }
}
