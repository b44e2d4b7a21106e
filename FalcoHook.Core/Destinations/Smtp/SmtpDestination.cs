using FalcoHook.Core.Destinations.Templates;
using MimeKit;

namespace FalcoHook.Core.Destinations.Smtp;

/// <summary>
/// <c>Type: smtp</c>, email through MailKit's <c>SmtpClient</c> (https://mimekit.net/docs/html/T_MailKit_Net_Smtp_SmtpClient.htm):
/// <c>Host</c>, <c>From</c> and at least one <c>To</c> required; <c>Password</c> secret. The subject is the
/// template's Title, the text and HTML parts its Body (HTML-escaped in the HTML part).
/// </summary>
public sealed class SmtpDestination : DestinationType<SmtpSettings, SmtpSender>
{
    public override string Name => "smtp";

    public override MessageTemplateSource DefaultTemplate => SmtpMessage.DefaultTemplate;

    public override IEnumerable<string> Validate(SmtpSettings settings, string at)
    {
        if (string.IsNullOrWhiteSpace(settings.Host)) yield return $"{at}:Host is required for type smtp";
        if (settings.Port is < 1 or > 65535) yield return $"{at}:Port must be between 1 and 65535";
        if (!MailboxAddress.TryParse(settings.From ?? "", out _)) yield return $"{at}:From must be an email address (got '{settings.From}')";
        if (settings.To.Count == 0) yield return $"{at}:To needs at least one recipient for type smtp";
        for (var i = 0; i < settings.To.Count; i++)
            if (!MailboxAddress.TryParse(settings.To[i], out _)) yield return $"{at}:To:{i} must be an email address (got '{settings.To[i]}')";
        if (!string.IsNullOrEmpty(settings.Password) && string.IsNullOrEmpty(settings.User)) yield return $"{at}:User is required with Password";
        if (settings.CaFile is { Length: > 0 } ca && !File.Exists(ca)) yield return $"{at}:CaFile {ca} does not exist";
    }

    /// <summary>None: not HTTP.</summary>
    public override Uri? Endpoint(SmtpSettings settings) => null;

    public override IEnumerable<string> Secrets(SmtpSettings settings)
    {
        if (!string.IsNullOrEmpty(settings.Password)) yield return settings.Password;
    }
}
