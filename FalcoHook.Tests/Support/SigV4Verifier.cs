using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace FalcoHook.Tests.Support;

/// <summary>
/// Checks an AWS Signature Version 4 <c>Authorization</c> header the way AWS does: rebuilds the canonical request from
/// what arrived (method, path, query, the headers named in <c>SignedHeaders</c>, the body's SHA-256), the string to sign
/// and the signing key from the known secret, and compares signatures. Written from AWS's description of the process
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html), independently of the SDK that signs,
/// and pinned by a test to AWS's documented example signature.
/// </summary>
public static partial class SigV4Verifier
{
    /// <summary>Null when <paramref name="request"/> is signed by <paramref name="accessKey"/>/<paramref name="secretKey"/> for the region and service; else what is wrong.</summary>
    public static string? Problem(RecordedRequest request, string accessKey, string secretKey, string region, string service)
    {
        var authorization = request.Header("Authorization");
        if (authorization is null) return "no Authorization header";
        var match = AuthorizationFormat().Match(authorization);
        if (!match.Success) return "Authorization is not AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…: " + authorization;
        var (key, date, scopeRegion, scopeService) = (match.Groups["key"].Value, match.Groups["date"].Value, match.Groups["region"].Value, match.Groups["service"].Value);
        if (key != accessKey) return $"signed by key {key}, not {accessKey}";
        if (scopeRegion != region || scopeService != service) return $"scope {scopeRegion}/{scopeService}, not {region}/{service}";
        var amzDate = request.Header("X-Amz-Date");
        if (amzDate is null || !amzDate.StartsWith(date, StringComparison.Ordinal)) return $"X-Amz-Date {amzDate} does not match the scope date {date}";
        var bodyHash = Hex(SHA256.HashData(request.Body));
        var payloadHash = request.Header("X-Amz-Content-Sha256") ?? bodyHash;
        if (payloadHash != bodyHash) return "X-Amz-Content-Sha256 is not the body's hash";
        var signedHeaders = match.Groups["signed"].Value;
        if (!signedHeaders.Split(';').Contains("host")) return "host is not signed";
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in signedHeaders.Split(';'))
        {
            var value = request.Header(name);
            if (value is null) return $"signed header {name} is missing";
            headers[name] = value;
        }
        var expected = Signature(request.Method, request.Path, request.Query, headers, signedHeaders, payloadHash, amzDate, region, service, secretKey);
        return expected == match.Groups["signature"].Value ? null : $"signature {match.Groups["signature"].Value} is not the expected {expected}";
    }

    /// <summary>The hex signature of a request: canonical request → string to sign → HMAC with the derived key.</summary>
    public static string Signature(string method, string path, string query, IReadOnlyDictionary<string, string> headers, string signedHeaders,
        string payloadHash, string amzDate, string region, string service, string secretKey)
    {
        var canonical = CanonicalRequest(method, path, query, headers, signedHeaders, payloadHash);
        var scope = $"{amzDate[..8]}/{region}/{service}/aws4_request";
        var toSign = $"AWS4-HMAC-SHA256\n{amzDate}\n{scope}\n{Hex(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)))}";
        var signingKey = Hmac(Hmac(Hmac(Hmac(Encoding.UTF8.GetBytes("AWS4" + secretKey), amzDate[..8]), region), service), "aws4_request");
        return Hex(Hmac(signingKey, toSign));
    }

    public static string CanonicalRequest(string method, string path, string query, IReadOnlyDictionary<string, string> headers, string signedHeaders, string payloadHash)
    {
        var uri = path.Length == 0 ? "/" : string.Join('/', path.Split('/').Select(Encode));
        var parameters = query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Select(p => (Key: Encode(Uri.UnescapeDataString(p[0])), Value: Encode(Uri.UnescapeDataString(p.Length > 1 ? p[1] : ""))))
            .OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Key + "=" + p.Value);
        var canonicalHeaders = string.Concat(signedHeaders.Split(';').Select(name => name + ":" + Spaces().Replace(headers[name].Trim(), " ") + "\n"));
        return $"{method}\n{uri}\n{string.Join('&', parameters)}\n{canonicalHeaders}\n{signedHeaders}\n{payloadHash}";
    }

    private static string Encode(string value) => Uri.EscapeDataString(value);

    private static byte[] Hmac(byte[] key, string data) => HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(data));

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    [GeneratedRegex(@"^AWS4-HMAC-SHA256 Credential=(?<key>[^/]+)/(?<date>\d{8})/(?<region>[^/]+)/(?<service>[^/]+)/aws4_request, ?SignedHeaders=(?<signed>[a-z0-9;-]+), ?Signature=(?<signature>[0-9a-f]{64})$")]
    private static partial Regex AuthorizationFormat();

    [GeneratedRegex(" +")]
    private static partial Regex Spaces();
}
