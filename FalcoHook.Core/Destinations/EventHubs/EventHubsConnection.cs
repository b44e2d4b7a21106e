using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FalcoHook.Core.Destinations.EventHubs;

/// <summary>
/// Where an event hub is and the Shared Access Signature that lets FalcoHook send to it
/// (https://learn.microsoft.com/rest/api/eventhub/generate-sas-token): <c>SharedAccessSignature sr={resource}&amp;sig={signature}&amp;se={expiry}&amp;skn={key name}</c>,
/// the resource being the URL-encoded <c>https://&lt;namespace&gt;/&lt;hub&gt;</c> and the signature the base64 HMAC-SHA256, keyed
/// with the key's text, of the encoded resource, a newline and the expiry in Unix seconds.
/// </summary>
public sealed record EventHubsConnection(string Namespace, string KeyName, string Key, string Hub)
{
    private const string DefaultSuffix = ".servicebus.windows.net";

    /// <summary>The connection from the settings; null with <paramref name="error"/> naming the key that is wrong.</summary>
    public static EventHubsConnection? From(EventHubsSettings settings, out string? error)
    {
        error = null;
        string? host = null, name = null, key = null, entityPath = null;
        if (!string.IsNullOrWhiteSpace(settings.ConnectionString))
        {
            if (!string.IsNullOrWhiteSpace(settings.Namespace) || !string.IsNullOrWhiteSpace(settings.SharedAccessKeyName) || !string.IsNullOrWhiteSpace(settings.SharedAccessKey))
            {
                error = "ConnectionString and Namespace, SharedAccessKeyName, SharedAccessKey are alternatives: set one";
                return null;
            }
            var parts = settings.ConnectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(p => p.Split('=', 2))
                .Where(p => p.Length == 2)
                .GroupBy(p => p[0].Trim(), StringComparer.OrdinalIgnoreCase)
                .ToDictionary(g => g.Key, g => g.Last()[1].Trim(), StringComparer.OrdinalIgnoreCase);
            Uri? uri = null;
            if (!parts.TryGetValue("Endpoint", out var endpoint) || !Uri.TryCreate(endpoint, UriKind.Absolute, out uri) || uri.Scheme != "sb")
                error = "ConnectionString has no Endpoint=sb://<namespace>.servicebus.windows.net/";
            else if (!parts.TryGetValue("SharedAccessKeyName", out name) || name.Length == 0) error = "ConnectionString has no SharedAccessKeyName";
            else if (!parts.TryGetValue("SharedAccessKey", out key) || key.Length == 0) error = "ConnectionString has no SharedAccessKey";
            host = uri?.Host;
            entityPath = parts.GetValueOrDefault("EntityPath") is { Length: > 0 } path ? path : null;
        }
        else if (string.IsNullOrWhiteSpace(settings.Namespace)) error = "ConnectionString (or Namespace, SharedAccessKeyName and SharedAccessKey) is required for type eventhubs";
        else if (string.IsNullOrWhiteSpace(settings.SharedAccessKeyName)) error = "SharedAccessKeyName is required with Namespace";
        else if (string.IsNullOrWhiteSpace(settings.SharedAccessKey)) error = "SharedAccessKey is required with Namespace";
        else
        {
            host = settings.Namespace.Trim().Contains('.', StringComparison.Ordinal) ? settings.Namespace.Trim() : settings.Namespace.Trim() + DefaultSuffix;
            if (Uri.CheckHostName(host) != UriHostNameType.Dns) error = $"Namespace '{settings.Namespace}' is not a namespace name";
            (name, key) = (settings.SharedAccessKeyName.Trim(), settings.SharedAccessKey.Trim());
        }
        if (error is not null) return null;
        var hub = string.IsNullOrWhiteSpace(settings.EventHub) ? entityPath : settings.EventHub.Trim();
        if (hub is null) error = "EventHub is required (the ConnectionString has no EntityPath)";
        else if (entityPath is not null && !string.Equals(entityPath, hub, StringComparison.OrdinalIgnoreCase))
            error = $"EventHub '{hub}' differs from the ConnectionString's EntityPath '{entityPath}'";
        return error is null ? new EventHubsConnection(host!, name!, key!, hub!) : null;
    }

    /// <summary>The resource a token names: <c>https://&lt;namespace&gt;/&lt;hub&gt;</c>, lower-case like Azure's own clients write it.</summary>
    public string Resource => $"https://{Namespace}/{Hub}".ToLowerInvariant();

    /// <summary>The <c>Authorization</c> value, valid until <paramref name="expires"/>.</summary>
    public string Token(DateTimeOffset expires)
    {
        var resource = Uri.EscapeDataString(Resource);
        var expiry = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), Encoding.UTF8.GetBytes(resource + "\n" + expiry)));
        return $"SharedAccessSignature sr={resource}&sig={Uri.EscapeDataString(signature)}&se={expiry}&skn={Uri.EscapeDataString(KeyName)}";
    }
}
