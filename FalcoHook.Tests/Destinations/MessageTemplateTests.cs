using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Destinations.Slack;
using FalcoHook.Core.Destinations.Templates;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// A destination's <c>Template</c> (Liquid title and body): checked at start with the key and position of a syntax
/// error, rendered over the notification's model, escaped for the message's markup, sandboxed, and never in the way
/// of delivery when it fails on an alert.
/// </summary>
public sealed class MessageTemplateTests
{
    private static Dictionary<string, string?> Slack(string url, string? title = null, string? body = null, string? publicUrl = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:chat:Type"] = "slack",
            ["FalcoHook:Destinations:chat:Url"] = url,
            ["FalcoHook:Destinations:chat:RatePerSecond"] = "0",
        };
        if (title is not null) settings["FalcoHook:Destinations:chat:Template:Title"] = title;
        if (body is not null) settings["FalcoHook:Destinations:chat:Template:Body"] = body;
        if (publicUrl is not null) settings["FalcoHook:PublicUrl"] = publicUrl;
        return settings;
    }

    [Fact]
    public async Task A_template_that_does_not_parse_stops_start_up_naming_the_key_line_and_column()
    {
        var settings = Slack("http://127.0.0.1:9/hook", title: "{{ rule }}", body: "Rule {{ rule }}\nNamespace {{ output_fields[\"k8s.ns.name\"] }\n");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => DeliveryTestHost.StartAsync(settings));

        Assert.Equal("FalcoHook:Destinations:chat:Template:Body is not valid Liquid at line 2, column 42: End of tag '}}' was expected",
            Assert.Single(error.Failures));
    }

    [Fact]
    public async Task A_title_with_an_unclosed_tag_is_reported_at_its_own_key()
    {
        var settings = Slack("http://127.0.0.1:9/hook", title: "{% if digest %}storm");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => DeliveryTestHost.StartAsync(settings));

        Assert.Equal("FalcoHook:Destinations:chat:Template:Title is not valid Liquid at line 1, column 21: '{% endif %}' was expected",
            Assert.Single(error.Failures));
    }

    [Fact]
    public async Task A_type_whose_messages_are_not_for_people_refuses_a_template()
    {
        var settings = new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:siem:Type"] = "webhook",
            ["FalcoHook:Destinations:siem:Url"] = "http://127.0.0.1:9/in",
            ["FalcoHook:Destinations:siem:Template:Body"] = "{{ rule }}",
        };

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => DeliveryTestHost.StartAsync(settings));

        Assert.Contains("FalcoHook:Destinations:siem:Template is not used by type webhook (its messages are not text for people)", error.Failures);
    }

    [Fact]
    public async Task A_public_url_that_is_not_absolute_stops_start_up()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            DeliveryTestHost.StartAsync(Slack("http://127.0.0.1:9/hook", publicUrl: "falcohook.example.com")));

        Assert.Contains("FalcoHook:PublicUrl must be an absolute http or https URL without query or fragment (got 'falcohook.example.com')", error.Failures);
    }

    [Fact]
    public async Task A_template_over_a_missing_field_renders_what_it_can_and_the_message_is_delivered()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = FakeResponse.Ok("ok");
        await using var host = await DeliveryTestHost.StartAsync(Slack(receiver.Url("/hook"),
            title: "{{ rule }} on {{ output_fields[\"no.such.field\"] }}",
            body: "ns={{ output_fields[\"k8s.ns.name\"] }} pod={{ output_fields[\"k8s.pod.name\"] }} severity={{ enrichment.severity | upcase }} {{ nothing.at.all }}"));

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "chat")).Single();
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        await host.WaitForStateAsync(id, DeliveryState.Delivered);

        var blocks = request.Json.GetProperty("attachments")[0].GetProperty("blocks");
        Assert.Equal("Terminal shell in container on", blocks[0].GetProperty("text").GetProperty("text").GetString());
        Assert.Equal("ns=default pod= severity=", blocks[1].GetProperty("text").GetProperty("text").GetString());
    }

    [Fact]
    public async Task A_template_that_runs_past_its_step_limit_sends_what_it_rendered()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = FakeResponse.Ok("ok");
        await using var host = await DeliveryTestHost.StartAsync(Slack(receiver.Url("/hook"),
            body: "start {% for i in (1..1000000) %}{% for j in (1..1000000) %}x{% endfor %}{% endfor %}"));

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), "chat")).Single();
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        await host.WaitForStateAsync(id, DeliveryState.Delivered);

        var body = request.Json.GetProperty("attachments")[0].GetProperty("blocks")[1].GetProperty("text").GetProperty("text").GetString()!;
        Assert.StartsWith("start x", body);
        Assert.True(body.Length <= SlackPayload.MaxSectionText, $"{body.Length} characters");
        await Eventually.TrueAsync(() => host.Logs.AllText.Contains("The Body template of destination chat failed on an alert", StringComparison.Ordinal),
            "the failure logged");
    }

    [Fact]
    public async Task The_model_has_the_alert_its_fields_by_dotted_key_enrichment_digest_and_link()
    {
        await using var host = await DeliveryTestHost.StartAsync(Slack("http://127.0.0.1:9/hook", publicUrl: "https://falcohook.example.com/",
            title: "[{{ priority }}] {{ rule }}",
            body: """
                  {{ hostname }}/{{ source }} at {{ time }} tags={{ tags | join: "," }} ns={{ output_fields["k8s.ns.name"] }} t={{ output_fields["evt.time"] }}
                  {{ enrichment.severity }} {{ enrichment.category }} {{ enrichment.techniques | join: "," }} {{ enrichment.indicators.process }} {{ enrichment.custom_fields.team }} {{ enrichment.recommendations | first }}
                  {% if digest %}{{ digest.count }} from {{ digest.first_seen }} to {{ digest.last_seen }}: {{ digest.samples["proc.name"] | join: "/" }} in {{ digest.group_key["k8s.ns.name"] }}{% endif %}
                  {{ url }}
                  """));
        var destination = host.Services.GetRequiredService<DestinationCatalog>().All["chat"];
        var renderer = host.Services.GetRequiredService<MessageRenderer>();
        var enrichment = new Enrichment
        {
            Severity = "Critical", Category = "execution", Techniques = ["T1059", "T1609"],
            Indicators = new Dictionary<string, string> { ["process"] = "sh" }, Recommendations = ["Isolate the pod", "Check the image"],
            CustomFields = new Dictionary<string, string> { ["team"] = "platform" },
        };
        var alert = TestAlerts.Notification(1) with { Enrichment = enrichment };
        var storm = TestAlerts.StormSummary() with { Enrichment = enrichment };

        var one = await renderer.RenderAsync(destination, alert);
        var summary = await renderer.RenderAsync(destination, storm);

        Assert.Equal("[Critical] Terminal shell in container", one.Title);
        Assert.Equal($"""
                      falco-xczjd/syscall at 2023-05-25T13:44:05.478445996Z tags=container,mitre_execution,shell,T1059 ns=default t=1685022245478445995
                      Critical execution T1059,T1609 sh platform Isolate the pod

                      https://falcohook.example.com/ui/events/{alert.Origin!.InboxId}
                      """, one.Body);
        Assert.Equal($"https://falcohook.example.com/ui/events/{alert.Origin.InboxId}", one.Url);
        Assert.Contains("\n42 from 2023-05-25T13:44:05.000000000Z to 2023-05-25T13:45:05.000000000Z: sh/bash in default\n", summary.Body);
        Assert.Equal("https://falcohook.example.com/ui/events?rule=Terminal%20shell%20in%20container", summary.Url);
    }

    [Fact]
    public async Task Values_are_escaped_for_the_markup_and_the_templates_own_markup_is_kept()
    {
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Default = FakeResponse.Ok("ok");
        await using var host = await DeliveryTestHost.StartAsync(Slack(receiver.Url("/hook"), publicUrl: "http://falcohook.local:8080",
            body: "*{{ rule }}* <{{ url }}|open> {{ output_fields[\"proc.cmdline\"] }}"));
        var alert = TestAlerts.Shell(1);
        var fields = new Dictionary<string, System.Text.Json.JsonElement>(alert.OutputFields!)
        {
            ["proc.cmdline"] = System.Text.Json.JsonSerializer.SerializeToElement("cat <secret> & echo"),
        };
        var notification = TestAlerts.FromInbox(new Core.Alerts.FalcoAlert
        {
            Rule = alert.Rule, Priority = alert.Priority, Time = alert.Time, Output = alert.Output, OutputFields = fields,
        }, "fp");

        var id = (await host.EnqueueAsync(notification, "chat")).Single();
        var request = (await receiver.WaitForRequestsAsync(1)).Single();
        await host.WaitForStateAsync(id, DeliveryState.Delivered);

        var blocks = request.Json.GetProperty("attachments")[0].GetProperty("blocks");
        var link = $"http://falcohook.local:8080/ui/events/{notification.Origin!.InboxId}";
        Assert.Equal($"*Terminal shell in container* <{link}|open> cat &lt;secret&gt; &amp; echo", blocks[1].GetProperty("text").GetProperty("text").GetString());
        Assert.Equal($"<{link}|Open in FalcoHook>", blocks[blocks.GetArrayLength() - 1].GetProperty("text").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Without_a_template_the_default_gives_the_plain_title_and_output()
    {
        await using var host = await DeliveryTestHost.StartAsync(Slack("http://127.0.0.1:9/hook"));
        var destination = host.Services.GetRequiredService<DestinationCatalog>().All["chat"];
        var renderer = host.Services.GetRequiredService<MessageRenderer>();
        var storm = TestAlerts.StormSummary();

        var message = await renderer.RenderAsync(destination, storm, bodyEncoder: SlackPayload.Encoder);

        Assert.Equal(MessageRenderer.Plain(storm, bodyEncoder: SlackPayload.Encoder), message);
        Assert.Equal("Critical: Terminal shell in container (42 alerts)", message.Title);
        Assert.Null(message.Url);
    }
}
