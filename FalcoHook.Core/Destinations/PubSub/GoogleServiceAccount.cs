using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace FalcoHook.Core.Destinations.PubSub;

/// <summary>
/// A Google service-account key (the JSON file with <c>type: service_account</c>, <c>client_email</c>, <c>private_key</c>,
/// <c>private_key_id</c>, <c>token_uri</c>) and the assertion of its OAuth 2.0 JWT bearer grant
/// (https://developers.google.com/identity/protocols/oauth2/service-account#httprest): a JWT signed RS256 with the key,
/// claims <c>iss</c> the account's e-mail, <c>scope</c>, <c>aud</c> the token URI, <c>iat</c> now and <c>exp</c> one hour
/// later (the most Google allows).
/// </summary>
public sealed record GoogleServiceAccount(string ClientEmail, string PrivateKeyPem, string? PrivateKeyId, Uri TokenUri)
{
    public const string DefaultTokenUri = "https://oauth2.googleapis.com/token";
    public static readonly TimeSpan AssertionLifetime = TimeSpan.FromHours(1);

    /// <summary>The key from its JSON or from that JSON in base64; null with <paramref name="error"/> saying what is wrong.</summary>
    public static GoogleServiceAccount? Parse(string text, out string? error)
    {
        error = null;
        var json = text.Trim();
        if (!json.StartsWith('{'))
        {
            try
            {
                json = Encoding.UTF8.GetString(Convert.FromBase64String(json));
            }
            catch (FormatException)
            {
                error = "is neither a service-account key's JSON nor that JSON in base64";
                return null;
            }
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            string? Text(string name) => root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            if (Text("type") != "service_account") error = "is not a service-account key (its type is not service_account)";
            else if (Text("client_email") is not { Length: > 0 } email) error = "has no client_email";
            else if (Text("private_key") is not { Length: > 0 } pem || !IsRsaKey(pem)) error = "has no RSA private_key in PEM";
            else if (!Uri.TryCreate(Text("token_uri") ?? DefaultTokenUri, UriKind.Absolute, out var tokenUri) || tokenUri.Scheme is not ("https" or "http"))
                error = "has a token_uri that is not an http(s) URL";
            else return new GoogleServiceAccount(email, pem, Text("private_key_id"), tokenUri);
        }
        catch (JsonException)
        {
            error = "is not valid JSON";
        }
        return null;
    }

    /// <summary>The signed JWT for <paramref name="scope"/>, issued at <paramref name="now"/>.</summary>
    public string Assertion(string scope, DateTimeOffset now)
    {
        var issued = now.ToUnixTimeSeconds();
        var header = JsonSerializer.SerializeToUtf8Bytes(PrivateKeyId is null
            ? new Dictionary<string, string> { ["alg"] = "RS256", ["typ"] = "JWT" }
            : new Dictionary<string, string> { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = PrivateKeyId });
        var claims = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["iss"] = ClientEmail,
            ["scope"] = scope,
            ["aud"] = TokenUri.ToString(),
            ["iat"] = issued,
            ["exp"] = issued + (long)AssertionLifetime.TotalSeconds,
        });
        var signed = Base64Url(header) + "." + Base64Url(claims);
        using var rsa = RSA.Create();
        rsa.ImportFromPem(PrivateKeyPem);
        var signature = rsa.SignData(Encoding.ASCII.GetBytes(signed), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signed + "." + Base64Url(signature);
    }

    private static bool IsRsaKey(string pem)
    {
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            return false;
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
