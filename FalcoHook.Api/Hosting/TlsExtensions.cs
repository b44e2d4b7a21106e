using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace FalcoHook.Api.Hosting;

public static class TlsExtensions
{
    /// <summary>
    /// When <c>FalcoHook:Tls:CertificatePath</c> is set, adds an HTTPS listener on <c>HttpsPort</c> with that
    /// certificate; with <c>ClientCaPath</c> it asks for client certificates and accepts only those that chain
    /// to that CA (mTLS). That listener serves only <c>HttpsPaths</c> (<see cref="ListenerPathFilter"/>). Returns the
    /// URL to add to the listen addresses, or null when TLS is off.
    /// </summary>
    public static string? ConfigureFalcoHookTls(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(TlsOptions.Section).Get<TlsOptions>() ?? new TlsOptions();
        if (!options.Enabled) return null;

        var certificate = LoadServerCertificate(options);
        var clientRoots = string.IsNullOrWhiteSpace(options.ClientCaPath) ? null : LoadBundle(options.ClientCaPath);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
        {
            https.ServerCertificate = certificate;
            if (clientRoots is null) return;
            https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
            https.ClientCertificateValidation = (client, _, _) => ChainsTo(client, clientRoots);
        }));
        builder.Services.AddSingleton<IStartupFilter>(new ListenerPathFilter(options.HttpsPort, HttpsPaths(options)));
        return $"https://0.0.0.0:{options.HttpsPort}";
    }

    /// <summary>True when <paramref name="client"/> chains to one of <paramref name="roots"/> and is valid for client auth.</summary>
    public static bool ChainsTo(X509Certificate2 client, X509Certificate2Collection roots)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2")); // clientAuth
        return chain.Build(client);
    }

    private static X509Certificate2 LoadServerCertificate(TlsOptions options)
    {
        var certificate = X509Certificate2.CreateFromPemFile(options.CertificatePath!, options.KeyPath);
        // Kestrel on Linux needs the key in a form SslStream can use; a PKCS#12 round trip gives it that.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }

    private static IReadOnlyList<string>? HttpsPaths(TlsOptions options)
    {
        var paths = options.HttpsPaths is { Length: > 0 } configured ? configured : TlsOptions.DefaultHttpsPaths;
        if (paths.Contains("*")) return null;
        foreach (var path in paths)
        {
            if (string.IsNullOrWhiteSpace(path) || !path.StartsWith('/'))
                throw new InvalidOperationException($"{TlsOptions.Section}:HttpsPaths: '{path}' is not a path (it must start with '/'), nor '*'.");
        }
        return paths;
    }

    private static X509Certificate2Collection LoadBundle(string path)
    {
        var bundle = new X509Certificate2Collection();
        bundle.ImportFromPemFile(path);
        if (bundle.Count == 0) throw new InvalidOperationException($"{TlsOptions.Section}:ClientCaPath '{path}' holds no certificate.");
        return bundle;
    }

}
