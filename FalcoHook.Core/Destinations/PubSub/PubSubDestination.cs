using System.Text;
using System.Text.RegularExpressions;

namespace FalcoHook.Core.Destinations.PubSub;

/// <summary>
/// <c>Type: pubsub</c>: alerts to a Google Cloud Pub/Sub topic with the REST <c>publish</c> method. API reference:
/// https://cloud.google.com/pubsub/docs/reference/rest/v1/projects.topics/publish (<c>POST
/// https://pubsub.googleapis.com/v1/projects/{project}/topics/{topic}:publish</c>, <c>{"messages":[{"data": base64,
/// "attributes", "orderingKey"}]}</c>, answer <c>{"messageIds":[…]}</c>, the request taken or refused as a whole) and
/// limits https://cloud.google.com/pubsub/quotas#resource_limits (1,000 messages and 10 MB a request, 100 attributes, keys
/// 256 bytes, values 1,024 bytes). Authorization: OAuth 2.0 with scope <c>https://www.googleapis.com/auth/pubsub</c>
/// through a service account's JWT bearer grant (<see cref="GoogleServiceAccount"/>). Publishing has no idempotency
/// key: a request sent again after a lost answer publishes twice (each message carries its <c>delivery_id</c> attribute to
/// deduplicate by).
/// </summary>
public sealed partial class PubSubDestination : DestinationType<PubSubSettings, PubSubSender>
{
    public override string Name => "pubsub";

    public override BatchDefaults Batching => BatchDefaults.Standard;

    public override IEnumerable<string> Validate(PubSubSettings settings, string at)
    {
        if (string.IsNullOrWhiteSpace(settings.Project)) yield return $"{at}:Project is required for type {Name}";
        else if (!ProjectId().IsMatch(settings.Project.Trim())) yield return $"{at}:Project must be a project id (6 to 30 lowercase letters, digits or hyphens; got '{settings.Project}')";
        if (string.IsNullOrWhiteSpace(settings.Topic)) yield return $"{at}:Topic is required for type {Name}";
        else if (!TopicId().IsMatch(settings.Topic.Trim()) || settings.Topic.Trim().StartsWith("goog", StringComparison.OrdinalIgnoreCase))
            yield return $"{at}:Topic must be a topic id (3 to 255 letters, digits or - _ . ~ + %, starting with a letter, not with goog; got '{settings.Topic}')";
        foreach (var error in CheckUrl(settings.Endpoint, at, required: false, key: "Endpoint")) yield return error;
        foreach (var error in CheckKey(settings, at)) yield return error;
        foreach (var error in CheckAttributes(settings, at)) yield return error;
    }

    /// <summary>Null: the sender addresses the topic's publish URL and the key's token URI.</summary>
    public override Uri? Endpoint(PubSubSettings settings) => null;

    /// <summary>The inline key as written, and the private key of the inline key or the key file (whole and line by line).</summary>
    public override IEnumerable<string> Secrets(PubSubSettings settings)
    {
        if (!HasKey(settings)) yield break;
        if (!string.IsNullOrWhiteSpace(settings.Credentials)) yield return settings.Credentials.Trim();
        var text = string.IsNullOrWhiteSpace(settings.Credentials) ? ReadOrEmpty(settings.CredentialsFile!.Trim()) : settings.Credentials;
        if (GoogleServiceAccount.Parse(text, out _) is not { } account) yield break;
        yield return account.PrivateKeyPem.Trim();
        foreach (var line in account.PrivateKeyPem.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            if (!line.StartsWith("-----", StringComparison.Ordinal)) yield return line;
    }

    /// <summary>True when the destination has a service-account key (inline or a file); without one requests carry no token (an emulator).</summary>
    public static bool HasKey(PubSubSettings settings) => !string.IsNullOrWhiteSpace(settings.Credentials) || !string.IsNullOrWhiteSpace(settings.CredentialsFile);

    /// <summary>The service account of the inline key or the key file, read now.</summary>
    /// <exception cref="GoogleTokenException">The key cannot be read or is not a service-account key.</exception>
    public static GoogleServiceAccount Account(PubSubSettings settings)
    {
        string text;
        try
        {
            text = !string.IsNullOrWhiteSpace(settings.Credentials) ? settings.Credentials : File.ReadAllText(settings.CredentialsFile!.Trim(), Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GoogleTokenException($"the key file cannot be read: {e.Message}");
        }
        return GoogleServiceAccount.Parse(text, out var error) ?? throw new GoogleTokenException("the service-account key " + error);
    }

    /// <summary>The publish URL of the topic.</summary>
    public static Uri PublishUrl(PubSubSettings settings) =>
        new($"{(settings.Endpoint ?? "https://pubsub.googleapis.com").Trim().TrimEnd('/')}/v1/projects/{Uri.EscapeDataString(settings.Project!.Trim())}/topics/{Uri.EscapeDataString(settings.Topic!.Trim())}:publish");

    private IEnumerable<string> CheckKey(PubSubSettings settings, string at)
    {
        var inline = !string.IsNullOrWhiteSpace(settings.Credentials);
        var file = settings.CredentialsFile?.Trim();
        if (inline && !string.IsNullOrEmpty(file)) yield return $"{at}:Credentials and CredentialsFile are alternatives: set one";
        else if (inline)
        {
            if (GoogleServiceAccount.Parse(settings.Credentials!, out var error) is null) yield return $"{at}:Credentials {error}";
        }
        else if (!string.IsNullOrEmpty(file))
        {
            if (!File.Exists(file)) yield return $"{at}:CredentialsFile {file} does not exist";
            else if (GoogleServiceAccount.Parse(ReadOrEmpty(file), out var error) is null) yield return $"{at}:CredentialsFile {file} {error}";
        }
        else if (string.IsNullOrWhiteSpace(settings.Endpoint))
            yield return $"{at}:Credentials or CredentialsFile (a service-account key) is required for type {Name} (only an emulator Endpoint takes requests without one)";
    }

    private static string ReadOrEmpty(string file)
    {
        try
        {
            return File.ReadAllText(file, Encoding.UTF8);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    private static IEnumerable<string> CheckAttributes(PubSubSettings settings, string at)
    {
        if (settings.Attributes.Count + PubSubMessages.OwnAttributes.Length > PubSubMessages.MaxAttributes)
            yield return $"{at}:Attributes may have at most {PubSubMessages.MaxAttributes - PubSubMessages.OwnAttributes.Length} entries (Pub/Sub takes {PubSubMessages.MaxAttributes} a message, FalcoHook sets {PubSubMessages.OwnAttributes.Length})";
        foreach (var key in settings.Attributes.Keys)
        {
            if (PubSubMessages.OwnAttributes.Contains(key)) yield return $"{at}:Attributes:{key} is set by FalcoHook on every message";
            else if (key.StartsWith("goog", StringComparison.OrdinalIgnoreCase)) yield return $"{at}:Attributes:{key} must not start with goog (reserved by Pub/Sub)";
            else if (Encoding.UTF8.GetByteCount(key) > PubSubMessages.MaxAttributeKeyBytes) yield return $"{at}:Attributes:{key} is longer than Pub/Sub's {PubSubMessages.MaxAttributeKeyBytes} bytes";
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$|^[a-z0-9.-]+:[a-z][a-z0-9-]{4,28}[a-z0-9]$")]
    private static partial Regex ProjectId();

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$")]
    private static partial Regex TopicId();
}
