using System.Net;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Destinations.Templates;
using MimeKit;

namespace FalcoHook.Core.Destinations.Smtp;

/// <summary>
/// The email of one delivery: <c>multipart/alternative</c> with a text part (the rendered Body) and an HTML part (the
/// Body rendered with HTML escaping, line breaks kept), the Title as subject, and a Message-Id made from the delivery
/// id so a resend is recognisable as the same message.
/// </summary>
public static class SmtpMessage
{
    public static readonly MessageTemplateSource DefaultTemplate = new(
        "[Falco] {{ priority }}: {{ rule }}{% if digest %} ({{ digest.count }} alerts){% endif %}",
        """
        {{ output | default: rule }}

        Rule: {{ rule }}
        Priority: {{ priority }}
        Source: {{ source }}
        Hostname: {{ hostname }}
        Time: {{ time }}
        {% if tags.size > 0 %}Tags: {{ tags | join: ", " }}
        {% endif %}{% if digest %}
        Storm summary: {{ digest.count }} alerts from {{ digest.first_seen }} to {{ digest.last_seen }}
        First: {{ digest.first_output }}
        {% for sample in digest.samples %}{{ sample[0] }}: {{ sample[1] | join: ", " }}
        {% endfor %}{% endif %}
        {% for field in output_fields %}{{ field[0] }}: {{ field[1] }}
        {% endfor %}{% if url %}
        {{ url }}{% endif %}
        """);

    public static MimeMessage Build(string deliveryId, SmtpSettings settings, Priority priority, RenderedMessage text, RenderedMessage html)
    {
        var message = new MimeMessage { Subject = text.Title, MessageId = $"{deliveryId}@falcohook" };
        message.From.Add(MailboxAddress.Parse(settings.From!));
        foreach (var to in settings.To) message.To.Add(MailboxAddress.Parse(to));
        message.Headers.Add("X-Falco-Priority", priority.ToFalcoString());
        if (priority >= Priority.Critical) message.Priority = MessagePriority.Urgent;
        var link = html.Url is { } url ? $"<p><a href=\"{WebUtility.HtmlEncode(url)}\">Open in FalcoHook</a></p>" : "";
        var body = new BodyBuilder
        {
            TextBody = text.Body + "\n",
            HtmlBody = $"<!DOCTYPE html><html><body><div style=\"font-family:sans-serif;white-space:pre-wrap\">{html.Body}</div>{link}</body></html>",
        };
        message.Body = body.ToMessageBody();
        return message;
    }
}
