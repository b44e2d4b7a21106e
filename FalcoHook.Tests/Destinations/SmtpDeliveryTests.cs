using System.Text.Json;
using FalcoHook.Api.Destinations;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using MimeKit;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: smtp</c> against a real SMTP server in the test process (<see cref="SmtpSink"/>): the envelope's sender and
/// recipients, the subject from the template's Title, a text and an HTML part from its Body, STARTTLS with a
/// certificate the client trusts through <c>CaFile</c>, sign-in after STARTTLS, and SMTP's 5xx as permanent.
/// </summary>
public sealed class SmtpDeliveryTests
{
    private static Dictionary<string, string?> Smtp(SmtpSink sink, string tls, Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:mail:Type"] = "smtp",
            ["FalcoHook:Destinations:mail:Host"] = "127.0.0.1",
            ["FalcoHook:Destinations:mail:Port"] = sink.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["FalcoHook:Destinations:mail:Tls"] = tls,
            ["FalcoHook:Destinations:mail:From"] = "Falco <falco@example.com>",
            ["FalcoHook:Destinations:mail:To:0"] = "secops@example.com",
            ["FalcoHook:Destinations:mail:To:1"] = "oncall@example.org",
        };
        foreach (var (k, v) in more ?? []) settings[k] = v;
        return settings;
    }

    private static Core.Pipeline.Notification Scripted()
    {
        var shell = TestAlerts.Shell();
        return TestAlerts.FromInbox(new FalcoAlert
        {
            Rule = shell.Rule, Priority = shell.Priority, Time = shell.Time, Source = shell.Source, Hostname = shell.Hostname, Tags = ["container", "shell"],
            Output = "A shell ran <script>alert(1)</script> & more",
            OutputFields = new Dictionary<string, JsonElement> { ["proc.name"] = JsonSerializer.SerializeToElement("sh"), ["evt.num"] = JsonSerializer.SerializeToElement(42) },
        }, "fp-mail");
    }

    [Fact]
    public async Task An_alert_is_an_email_over_starttls_to_every_recipient_with_a_text_and_an_html_part()
    {
        await using var sink = SmtpSink.Start(startTls: true);
        await using var host = await DeliveryTestHost.StartAsync(Smtp(sink, "StartTls", new()
        {
            ["FalcoHook:Destinations:mail:User"] = SmtpSink.User,
            ["FalcoHook:Destinations:mail:Password"] = SmtpSink.Password,
            ["FalcoHook:Destinations:mail:CaFile"] = sink.CaFile,
        }));

        var id = (await host.EnqueueAsync(Scripted(), "mail")).Single();
        var mail = await sink.WaitForMailAsync();
        await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.True(mail.Secure, "the session was upgraded with STARTTLS");
        Assert.Equal(SmtpSink.User, mail.User);
        Assert.Equal("falco@example.com", mail.From);
        Assert.Equal(["secops@example.com", "oncall@example.org"], mail.To);
        var message = mail.Message;
        Assert.Equal("[Falco] Critical: Terminal shell in container", message.Subject);
        Assert.Equal(["secops@example.com", "oncall@example.org"], message.To.Mailboxes.Select(m => m.Address));
        Assert.Equal($"{id}@falcohook", message.MessageId);
        Assert.Equal("Critical", message.Headers["X-Falco-Priority"]);
        Assert.Equal("multipart/alternative", message.Body!.ContentType.MimeType);
        Assert.Equal(
            """
            A shell ran <script>alert(1)</script> & more

            Rule: Terminal shell in container
            Priority: Critical
            Source: syscall
            Hostname: falco-xczjd
            Time: 2023-05-25T13:44:05.478445995Z
            Tags: container, shell

            proc.name: sh
            evt.num: 42

            """.ReplaceLineEndings("\n"), message.TextBody!.ReplaceLineEndings("\n"));
        Assert.Contains("A shell ran &lt;script&gt;alert(1)&lt;/script&gt; &amp; more", message.HtmlBody);
        Assert.DoesNotContain("<script>", message.HtmlBody);
        Assert.Contains("proc.name: sh", message.HtmlBody);
    }

    [Fact]
    public async Task A_template_sets_subject_and_body_and_a_missing_field_still_sends()
    {
        await using var sink = SmtpSink.Start(startTls: false);
        await using var host = await DeliveryTestHost.StartAsync(Smtp(sink, "None", new()
        {
            ["FalcoHook:Destinations:mail:Template:Title"] = "{{ rule }} on {{ output_fields[\"k8s.pod.name\"] | default: \"no pod\" }}",
            ["FalcoHook:Destinations:mail:Template:Body"] = "ns={{ output_fields[\"k8s.ns.name\"] }}; {{ output_fields[\"proc.name\"] }}",
        }));

        var id = (await host.EnqueueAsync(Scripted(), "mail")).Single();
        var mail = await sink.WaitForMailAsync();
        await host.WaitForStateAsync(id, DeliveryState.Delivered);

        Assert.False(mail.Secure);
        Assert.Null(mail.User);
        Assert.Equal("Terminal shell in container on no pod", mail.Message.Subject);
        Assert.Equal("ns=; sh\n", mail.Message.TextBody!.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task A_refused_recipient_is_dead_at_once_and_a_server_without_starttls_is_not_used_in_clear()
    {
        await using var sink = SmtpSink.Start(startTls: false);
        await using var host = await DeliveryTestHost.StartAsync(Smtp(sink, "None", new() { ["FalcoHook:Destinations:mail:To:1"] = "nobody@example.com" }));
        var id = (await host.EnqueueAsync(Scripted(), "mail")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Dead);
        Assert.StartsWith("smtp: 550 ", record.LastError);
        Assert.Empty(sink.Received);

        await using var noTls = await DeliveryTestHost.StartAsync(Smtp(sink, "StartTls"));
        var second = (await noTls.EnqueueAsync(Scripted(), "mail")).Single();
        var refused = await noTls.WaitForStateAsync(second, DeliveryState.Dead);
        Assert.Contains("STARTTLS", refused.LastError!, StringComparison.Ordinal);
        Assert.Empty(sink.Received);
    }

    [Fact]
    public async Task A_server_that_is_down_is_retried()
    {
        int port;
        await using (var gone = SmtpSink.Start(startTls: false)) port = gone.Port;
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:mail:Type"] = "smtp",
            ["FalcoHook:Destinations:mail:Host"] = "127.0.0.1",
            ["FalcoHook:Destinations:mail:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["FalcoHook:Destinations:mail:Tls"] = "None",
            ["FalcoHook:Destinations:mail:From"] = "falco@example.com",
            ["FalcoHook:Destinations:mail:To:0"] = "secops@example.com",
        });

        var id = (await host.EnqueueAsync(Scripted(), "mail")).Single();
        var record = await host.WaitForAsync(id, r => r.Attempts >= 2 && r.State != DeliveryState.Sending); // between attempts

        Assert.Equal(DeliveryState.Pending, record.State);
        Assert.StartsWith("smtp: connection failed", record.LastError);
    }

    [Fact]
    public void Settings_are_checked_and_the_password_is_a_secret()
    {
        var bad = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:m:Type"] = "smtp",
            ["FalcoHook:Destinations:m:From"] = "not an address",
            ["FalcoHook:Destinations:m:Password"] = "pw-1234",
            ["FalcoHook:Destinations:m:Template:Title"] = "{{ rule ",
        }).Build();
        using (var services = new ServiceCollection().AddDestinations(bad).BuildServiceProvider())
        {
            var failures = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<DestinationsOptions>>().Value).Failures.ToList();
            Assert.Contains("FalcoHook:Destinations:m:Host is required for type smtp", failures);
            Assert.Contains("FalcoHook:Destinations:m:From must be an email address (got 'not an address')", failures);
            Assert.Contains("FalcoHook:Destinations:m:To needs at least one recipient for type smtp", failures);
            Assert.Contains("FalcoHook:Destinations:m:User is required with Password", failures);
            Assert.Contains(failures, f => f.StartsWith("FalcoHook:Destinations:m:Template:Title", StringComparison.Ordinal));
        }

        var good = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:m:Type"] = "smtp",
            ["FalcoHook:Destinations:m:Host"] = "smtp.example.com",
            ["FalcoHook:Destinations:m:From"] = "falco@example.com",
            ["FalcoHook:Destinations:m:To:0"] = "a@example.com",
            ["FalcoHook:Destinations:m:User"] = "falco",
            ["FalcoHook:Destinations:m:Password"] = "pw-1234",
        }).Build();
        using (var services = new ServiceCollection().AddDestinations(good).BuildServiceProvider())
            Assert.Contains("pw-1234", services.GetRequiredService<DestinationCatalog>().All["m"].Secrets);
    }
}
