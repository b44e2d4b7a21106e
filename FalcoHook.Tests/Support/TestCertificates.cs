using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace FalcoHook.Tests.Support;

/// <summary>
/// A test CA made now (ECDSA P-256, valid from yesterday to tomorrow), a server certificate it issued for 127.0.0.1 and
/// localhost, a client certificate it issued, and a second CA that issued nothing here (to trust instead: the wrong CA),
/// written as PEM files (PKCS#8 keys) to a folder for a broker's configuration and a destination's <c>Tls</c> keys.
/// </summary>
public sealed class TestCertificates
{
    private TestCertificates(string folder) => Folder = folder;

    public string Folder { get; }

    public string CaFile => Path.Combine(Folder, "ca.crt");

    public string ServerCertificate => Path.Combine(Folder, "server.crt");

    public string ServerKey => Path.Combine(Folder, "server.key");

    public string ClientCertificate => Path.Combine(Folder, "client.crt");

    public string ClientKey => Path.Combine(Folder, "client.key");

    /// <summary>A CA that issued neither certificate.</summary>
    public string OtherCaFile => Path.Combine(Folder, "other-ca.crt");

    public static TestCertificates WriteTo(string folder)
    {
        Directory.CreateDirectory(folder);
        var files = new TestCertificates(folder);
        var now = DateTimeOffset.UtcNow;
        using var ca = Authority("CN=FalcoHook Broker Test CA", now);
        using var other = Authority("CN=Another CA", now);
        using var server = Issue(ca, "CN=broker", now, serverAuth: true);
        using var client = Issue(ca, "CN=falcohook", now, serverAuth: false);
        File.WriteAllText(files.CaFile, ca.ExportCertificatePem());
        File.WriteAllText(files.OtherCaFile, other.ExportCertificatePem());
        File.WriteAllText(files.ServerCertificate, server.ExportCertificatePem());
        File.WriteAllText(files.ServerKey, server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(files.ClientCertificate, client.ExportCertificatePem());
        File.WriteAllText(files.ClientKey, client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return files;
    }

    /// <summary>The client certificate with its key, for a test's own connection to the broker.</summary>
    public X509Certificate2 LoadClient()
    {
        using var ephemeral = X509Certificate2.CreateFromPemFile(ClientCertificate, ClientKey);
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>A self-signed CA valid from a day before <paramref name="now"/> to two days after.</summary>
    public static X509Certificate2 Authority(string subject, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(now.AddDays(-1), now.AddDays(2));
    }

    /// <summary>A certificate with its key issued by <paramref name="authority"/>: a server's (for 127.0.0.1 and localhost) or a client's.</summary>
    public static X509Certificate2 Issue(X509Certificate2 authority, string subject, DateTimeOffset now, bool serverAuth)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        if (serverAuth)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }
        using var issued = request.Create(authority, now.AddHours(-1), now.AddDays(1), RandomNumberGenerator.GetBytes(8));
        return issued.CopyWithPrivateKey(key);
    }
}

/// <summary>
/// How a broker fixture is secured: TLS with <see cref="TestCertificates"/> (the server's certificate; with
/// <see cref="MutualTls"/> it also requires a client certificate the test CA issued), and credentials: a user and
/// password, or (NATS) a token. Nothing set: plaintext without authentication.
/// </summary>
public sealed record BrokerSecurity(bool Tls = false, bool MutualTls = false, string? User = null, string? Password = null, string? Token = null)
{
    /// <summary>TLS requiring the test CA's client certificate, and a user with a password.</summary>
    public static BrokerSecurity MutualTlsWithPassword { get; } = new(Tls: true, MutualTls: true, User: "falco", Password: "broker-s3cret-pw");
}
