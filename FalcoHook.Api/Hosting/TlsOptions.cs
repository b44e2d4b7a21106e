namespace FalcoHook.Api.Hosting;

/// <summary>
/// <c>FalcoHook:Tls</c>: an HTTPS listener beside the plain one, for kube-apiserver's audit webhook (and, with
/// <c>/</c> in <see cref="HttpsPaths"/>, Falco's <c>http_output</c> with mTLS). Client certificates are verified
/// against <see cref="ClientCaPath"/>.
/// </summary>
public sealed class TlsOptions
{
    public const string Section = "FalcoHook:Tls";

    /// <summary>Server certificate, PEM. TLS is off when unset.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The certificate's private key, PEM (may be omitted when the certificate file holds it).</summary>
    public string? KeyPath { get; set; }

    /// <summary>CA bundle (PEM) that client certificates must chain to; client certificates are asked for when set.</summary>
    public string? ClientCaPath { get; set; }

    /// <summary>Port of the HTTPS listener.</summary>
    public int HttpsPort { get; set; } = 2802;

    /// <summary>
    /// Request paths the HTTPS listener serves (exact, case-insensitive); it answers 404 to every other path. Unset:
    /// <see cref="DefaultHttpsPaths"/>. <c>*</c> serves every path.
    /// </summary>
    public string[]? HttpsPaths { get; set; }

    /// <summary>kube-apiserver's audit webhook and the health endpoints: what the listener opened to the API server is for.</summary>
    public static readonly string[] DefaultHttpsPaths = ["/k8s-audit", "/healthz", "/readyz"];

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);
}
