namespace FalcoHook.Core.Destinations.Smtp;

/// <summary>How the connection to the SMTP server is secured.</summary>
public enum SmtpTls
{
    /// <summary>Plain text (a relay on the same host or network only).</summary>
    None,

    /// <summary>Plain connection upgraded with STARTTLS, which the server must offer (port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    Tls,
}

/// <summary>The keys of a <c>Type: smtp</c> destination besides the shared ones.</summary>
public sealed class SmtpSettings
{
    /// <summary>The SMTP server (required).</summary>
    public string? Host { get; set; }

    /// <summary>Default by <see cref="Tls"/>: 25 for None, 587 for StartTls, 465 for Tls.</summary>
    public int? Port { get; set; }

    public SmtpTls Tls { get; set; } = SmtpTls.StartTls;

    /// <summary>Sign in with <see cref="User"/> and <see cref="Password"/> when set.</summary>
    public string? User { get; set; }

    /// <summary>Secret.</summary>
    public string? Password { get; set; }

    /// <summary>A PEM file of CA certificates trusted for the server's certificate besides the system's (a private CA).</summary>
    public string? CaFile { get; set; }

    /// <summary>The sender, <c>falco@example.com</c> or <c>Falco &lt;falco@example.com&gt;</c> (required).</summary>
    public string? From { get; set; }

    /// <summary>The recipients (at least one).</summary>
    public List<string> To { get; set; } = [];

    public int EffectivePort => Port ?? Tls switch
    {
        SmtpTls.None => 25,
        SmtpTls.Tls => 465,
        _ => 587,
    };
}
