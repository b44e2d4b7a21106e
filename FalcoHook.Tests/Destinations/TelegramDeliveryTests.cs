using System.Text.Json;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Destinations.Telegram;
using FalcoHook.Core.Destinations.Templates;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: telegram</c> against a real HTTP fake, checked against the Bot API's sendMessage: a JSON POST to
/// <c>/bot{token}/sendMessage</c> with <c>chat_id</c> (integer, or <c>@channel</c>), <c>text</c> of at most 4096
/// characters in <c>parse_mode</c> HTML (<c>&lt;</c>, <c>&gt;</c>, <c>&amp;</c> escaped), <c>link_preview_options</c>;
/// answers <c>{"ok": true, "result": …}</c>, or <c>{"ok": false, "error_code", "description", "parameters": {"retry_after"}}</c>.
/// </summary>
public sealed class TelegramDeliveryTests : ChatDeliveryContract
{
    private const string Token = "7012345678:AAHk2v9sQ-xZp4LrT8mWcN3bYd6eFg1hJkU";

    protected override Dictionary<string, string?> Settings(FakeReceiver receiver) => new()
    {
        ["FalcoHook:Destinations:chat:Type"] = "telegram",
        ["FalcoHook:Destinations:chat:Token"] = Token,
        ["FalcoHook:Destinations:chat:ChatId"] = "-1001234567890",
        ["FalcoHook:Destinations:chat:Url"] = receiver.Url("/"),
        ["FalcoHook:Destinations:chat:RatePerSecond"] = "0",
    };

    protected override FakeResponse Success => FakeResponse.Ok("""{"ok":true,"result":{"message_id":42}}""");

    protected override FakeResponse RateLimited(int seconds) => new(429,
        $$$"""{"ok":false,"error_code":429,"description":"Too Many Requests: retry after {{{seconds}}}","parameters":{"retry_after":{{{seconds}}}}}""");

    protected override FakeResponse Refused => new(401, $$"""{"ok":false,"error_code":401,"description":"Unauthorized: {{Token}}"}""");

    protected override string RefusedError => $$"""telegram: HTTP 401: {"ok":false,"error_code":401,"description":"Unauthorized: {{Redaction.Mask}}"}""";

    protected override string Secret => Token;

    protected override string MessageText(RecordedRequest request) => request.Json.GetProperty("text").GetString()!;

    [Fact]
    public async Task Telegram_gets_send_message_in_html_with_the_facts_and_the_link()
    {
        var notification = InAPod();
        var request = await DeliverOneAsync(notification, new()
        {
            ["FalcoHook:Destinations:chat:MessageThreadId"] = "7",
            ["FalcoHook:PublicUrl"] = "https://falcohook.example.com",
        });

        Assert.Equal("POST", request.Method);
        Assert.Equal($"/bot{Token}/sendMessage", request.Path);
        Assert.Equal("application/json; charset=utf-8", request.Header("Content-Type"));
        var json = request.Json;
        Assert.Equal(["chat_id", "text", "parse_mode", "link_preview_options", "message_thread_id"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(-1001234567890, json.GetProperty("chat_id").GetInt64());
        Assert.Equal("HTML", json.GetProperty("parse_mode").GetString());
        Assert.True(json.GetProperty("link_preview_options").GetProperty("is_disabled").GetBoolean());
        Assert.Equal(7, json.GetProperty("message_thread_id").GetInt64());
        Assert.Equal($"""
                      🔴 <b>Critical: Terminal shell in container</b>
                      {notification.Alert.Output}

                      <b>Priority:</b> Critical
                      <b>Rule:</b> Terminal shell in container
                      <b>Source:</b> syscall
                      <b>Hostname:</b> falco-xczjd
                      <b>Container:</b> nginx
                      <b>Pod:</b> nginx-7d9f8-x2x
                      <b>Namespace:</b> default
                      <b>User:</b> root
                      <b>Command:</b> sh -c cat /etc/shadow
                      <b>Tags:</b> container, mitre_execution, shell, T1059

                      <a href="https://falcohook.example.com/ui/events/{notification.Origin!.InboxId}">Open in FalcoHook</a>
                      """, json.GetProperty("text").GetString());
    }

    [Fact]
    public void Html_in_alert_text_is_escaped_and_a_channel_name_is_sent_as_a_string()
    {
        var alert = TestAlerts.Shell();
        var notification = TestAlerts.FromInbox(new Core.Alerts.FalcoAlert
        {
            Rule = "a <b> & c", Priority = alert.Priority, Time = alert.Time, Output = "cat </etc/shadow> && echo \"x\"",
        }, "fp");

        var json = JsonSerializer.SerializeToElement(TelegramPayload.Build(notification, new TelegramSettings { ChatId = "@falco_alerts" },
            MessageRenderer.Plain(notification, TelegramPayload.Encoder, TelegramPayload.Encoder)));

        Assert.Equal("@falco_alerts", json.GetProperty("chat_id").GetString());
        var text = json.GetProperty("text").GetString()!;
        Assert.StartsWith("🔴 <b>Critical: a &lt;b&gt; &amp; c</b>\ncat &lt;/etc/shadow&gt; &amp;&amp; echo &quot;x&quot;\n", text);
    }

    [Fact]
    public void A_long_message_is_cut_to_4096_characters_without_breaking_a_tag_or_entity()
    {
        var alert = TestAlerts.Shell();
        var storm = TestAlerts.StormSummary() with
        {
            Alert = new Core.Alerts.FalcoAlert { Rule = alert.Rule, Priority = alert.Priority, Time = alert.Time, Output = string.Concat(Enumerable.Repeat("a<b>&", 2000)) },
        };
        var message = MessageRenderer.Plain(storm, TelegramPayload.Encoder, TelegramPayload.Encoder, "https://f.example/ui/events?rule=Terminal%20shell");

        var text = TelegramPayload.Build(storm, new TelegramSettings { ChatId = "1" }, message)["text"]!.GetValue<string>();

        Assert.InRange(text.Length, 4000, TelegramPayload.MaxText);
        Assert.Contains("…\n", text);
        Assert.DoesNotMatch("&[a-z]*…", text);
        Assert.Contains("<b>Storm summary:</b> 42 alerts from 2023-05-25T13:44:05.000000000Z to 2023-05-25T13:45:05.000000000Z\n", text);
        Assert.Contains("<b>proc.name:</b> sh, bash\n", text);
        Assert.EndsWith("<a href=\"https://f.example/ui/events?rule=Terminal%20shell\">Open in FalcoHook</a>", text);
    }

    [Fact]
    public async Task A_missing_token_or_chat_stops_start_up_naming_the_key()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:tg:Type"] = "telegram",
            ["FalcoHook:Destinations:tg:ChatId"] = "my channel",
        }));

        Assert.Contains("FalcoHook:Destinations:tg:Token is required for type telegram", error.Failures);
        Assert.Contains("FalcoHook:Destinations:tg:ChatId must be a numeric chat id or @channelusername", error.Failures);
    }

    [Fact]
    public async Task The_bodys_retry_after_wins_when_it_is_later_than_the_header()
    {
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        await using var receiver = await FakeReceiver.StartAsync(time);
        receiver.Script(new FakeResponse(429, """{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 30","parameters":{"retry_after":30}}""",
            new Dictionary<string, string> { ["Retry-After"] = "2" }));
        await using var host = await DeliveryTestHost.StartAsync(Settings(receiver), time);

        var id = (await host.EnqueueAsync(InAPod(), Chat)).Single();
        var waiting = await host.WaitForAsync(id, r => r.Attempts == 1);

        Assert.Equal(start.AddSeconds(30), waiting.NextAttemptAt);
    }
}
