using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace FalcoHook.Core.Destinations;

/// <summary>
/// A destination's <see cref="DestinationTls"/> loaded for its HttpClient's handlers: the client certificate it presents
/// whenever the receiver asks, and the extra CA certificates a receiver's certificate may chain to. Loading never
/// throws: a file that cannot be read any more (the settings were checked at start) leaves an <see cref="Error"/>, and
/// every send then fails and is retried, rather than go out without the configured certificate.
/// </summary>
public sealed class ClientTls
{
    private ClientTls(X509Certificate2? certificate, X509Certificate2Collection? trust, string? error)
    {
        Certificate = certificate;
        Trust = trust;
        Error = error;
    }

    public X509Certificate2? Certificate { get; }

    public X509Certificate2Collection? Trust { get; }

    public string? Error { get; }

    /// <summary>Reads the files (or PEM text) now; null when the destination has no TLS settings.</summary>
    public static ClientTls? Load(DestinationTls? settings, string section = "Https")
    {
        if (settings is null || settings.IsEmpty) return null;
        try
        {
            X509Certificate2? certificate = null;
            if (settings.ClientCertificate is { } pem && settings.ClientKey is { } key)
            {
                using var ephemeral = X509Certificate2.CreateFromPem(DestinationTls.Text(pem), DestinationTls.Text(key));
                // A certificate with an ephemeral key is re-imported so that TLS can use its key on every platform.
                certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
            }
            X509Certificate2Collection? trust = null;
            if (settings.CaCertificates is { } bundle)
            {
                trust = [];
                trust.ImportFromPem(DestinationTls.Text(bundle));
            }
            return new ClientTls(certificate, trust, null);
        }
        catch (Exception e)
        {
            return new ClientTls(null, null, $"the destination's {section} settings could not be loaded ({e.GetType().Name})");
        }
    }

    /// <summary>Presents the client certificate and checks the receiver's certificate against the system's CAs and <see cref="Trust"/>.</summary>
    public void Apply(SocketsHttpHandler handler) => Apply(handler.SslOptions);

    /// <summary>The same for any TLS client that takes <see cref="SslClientAuthenticationOptions"/> (the broker clients).</summary>
    public void Apply(SslClientAuthenticationOptions options)
    {
        if (Certificate is { } certificate)
        {
            options.ClientCertificates = [certificate];
            // Presented whatever CA names the receiver lists: it decides whether the certificate is good.
            options.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        }
        if (Trust is { Count: > 0 }) options.RemoteCertificateValidationCallback = (_, remote, chain, errors) => Accepts(remote, chain, errors);
    }

    /// <summary>Whether the receiver's certificate is good: valid for the system, or (with <see cref="Trust"/>) as <see cref="Trusted"/> says.</summary>
    public bool Accepts(X509Certificate? remote, X509Chain? chain, SslPolicyErrors errors) =>
        Trust is { Count: > 0 } trust ? Trusted(remote, chain, errors, trust) : errors == SslPolicyErrors.None;

    /// <summary>
    /// Valid for the system, or its only fault is a chain that does not reach a system CA and it chains to one of
    /// <paramref name="trust"/> (a wrong host name or a missing certificate is never accepted).
    /// </summary>
    public static bool Trusted(X509Certificate? remote, X509Chain? chain, SslPolicyErrors errors, X509Certificate2Collection trust)
    {
        if (errors == SslPolicyErrors.None) return true;
        if (errors != SslPolicyErrors.RemoteCertificateChainErrors || remote is null) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.CustomTrustStore.AddRange(trust);
        if (chain is not null)
        {
            custom.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
            foreach (var element in chain.ChainElements) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        }
        var leaf = remote as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(remote.GetRawCertData());
        return custom.Build(leaf);
    }
}
