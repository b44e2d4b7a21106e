using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FalcoHook.Core.Destinations;

/// <summary>
/// <c>FalcoHook:Destinations:&lt;name&gt;:Https</c> for every HTTP type, and <c>…:Tls</c> for the broker types (nats,
/// redis, rabbitmq, mqtt): the client certificate the destination presents (mutual TLS) and the CA certificates it
/// trusts for the receiver besides the system's. Each key holds a PEM file's path or the PEM text itself
/// (<c>-----BEGIN …</c>); a private key given as text is a secret.
/// </summary>
public sealed class DestinationTls
{
    /// <summary>The client certificate (PEM; its chain may follow it), presented when the receiver asks for one.</summary>
    public string? ClientCertificate { get; set; }

    /// <summary>The client certificate's private key (unencrypted PEM: PKCS#8, RSA or EC).</summary>
    public string? ClientKey { get; set; }

    /// <summary>CA certificates (a PEM bundle) the receiver's certificate may chain to, besides the system's trusted ones.</summary>
    public string? CaCertificates { get; set; }

    public bool IsEmpty => ClientCertificate is null && ClientKey is null && CaCertificates is null;

    /// <summary>True for PEM text (as opposed to a file's path).</summary>
    public static bool IsPem(string value) => value.TrimStart().StartsWith("-----BEGIN", StringComparison.Ordinal);

    /// <summary>What is wrong, each message starting with <paramref name="at"/>, <paramref name="section"/> and the key; loads every file to be sure.</summary>
    public IEnumerable<string> Validate(string at, string section = "Https")
    {
        if (IsEmpty) return [];
        var errors = new List<string>();
        if ((ClientCertificate is null) != (ClientKey is null))
            errors.Add($"{at}:{section}:ClientCertificate and {section}:ClientKey go together");
        else if (ClientCertificate is not null)
        {
            var certificate = Read(ClientCertificate, $"{section}:ClientCertificate", at, errors);
            var key = Read(ClientKey!, $"{section}:ClientKey", at, errors);
            if (certificate is not null && key is not null)
            {
                try
                {
                    using var loaded = X509Certificate2.CreateFromPem(certificate, key);
                }
                catch (CryptographicException)
                {
                    errors.Add($"{at}:{section}:ClientKey must be the unencrypted PEM private key of {section}:ClientCertificate (a PEM certificate)");
                }
            }
        }
        if (CaCertificates is not null && Read(CaCertificates, $"{section}:CaCertificates", at, errors) is { } bundle)
        {
            var trust = new X509Certificate2Collection();
            try
            {
                trust.ImportFromPem(bundle);
            }
            catch (CryptographicException)
            {
                trust.Clear();
            }
            if (trust.Count == 0) errors.Add($"{at}:{section}:CaCertificates holds no PEM certificate");
        }
        return errors;
    }

    /// <summary>The private key when it is given as text, and each of its lines.</summary>
    public IEnumerable<string> Secrets()
    {
        if (ClientKey is not { } key || !IsPem(key)) yield break;
        yield return key.Trim();
        foreach (var line in key.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            if (!line.StartsWith("-----", StringComparison.Ordinal) && line.Length >= 16) yield return line;
    }

    /// <summary>The PEM text of a key: the value itself, or the file it names.</summary>
    public static string Text(string value) => IsPem(value) ? value : File.ReadAllText(value);

    private static string? Read(string value, string key, string at, List<string> errors)
    {
        try
        {
            return Text(value);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            errors.Add($"{at}:{key}: cannot read '{value}' ({e.GetType().Name})");
            return null;
        }
    }
}
