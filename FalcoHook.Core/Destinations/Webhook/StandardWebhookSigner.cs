using System.Security.Cryptography;
using System.Text;

namespace FalcoHook.Core.Destinations.Webhook;

/// <summary>
/// Standard Webhooks v1 symmetric signatures: <c>v1,</c> + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")),
/// key = the base64 after <c>whsec_</c>.
/// </summary>
public static class StandardWebhookSigner
{
    public const string Prefix = "whsec_";

    public static bool TryDecodeSecret(string secret, out byte[] key)
    {
        key = [];
        var text = secret.StartsWith(Prefix, StringComparison.Ordinal) ? secret[Prefix.Length..] : null;
        if (string.IsNullOrEmpty(text)) return false;
        try
        {
            key = Convert.FromBase64String(text);
            return key.Length > 0;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static string Sign(byte[] key, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp}.");
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }
}
