namespace FalcoHook.Core.Destinations.Redis;

/// <summary>
/// <c>Type: redis</c>: each alert as one entry of a Redis stream (<c>XADD key [MAXLEN ~ n] * …</c>,
/// https://redis.io/docs/latest/commands/xadd/) with the fields <c>id</c> (the delivery id), <c>rule</c>, <c>priority</c>,
/// <c>hostname</c> and <c>alert</c> (the alert's JSON, summary fields included). The server assigns the entry id, and
/// <c>XADD</c> with an assigned id has no idempotency: an entry whose answer was lost (a timeout, a crash) is added again
/// on the retry, so delivery is at-least-once and a consumer deduplicates on the <c>id</c> field.
/// </summary>
public sealed class RedisDestination : DestinationType<RedisSettings, RedisSender>
{
    public override string Name => "redis";

    public override BatchDefaults Batching => new(500, TimeSpan.FromMilliseconds(200));

    public override IEnumerable<string> Validate(RedisSettings settings, string at)
    {
        if (string.IsNullOrWhiteSpace(settings.Url)) yield return $"{at}:Url is required for type {Name}";
        else if (!(Uri.TryCreate(settings.Url, UriKind.Absolute, out var uri) && uri.Scheme is "redis" or "rediss" && uri.Host.Length > 0))
            yield return $"{at}:Url must be redis://host:port or rediss://host:port (got '{Redaction.Url(settings.Url)}')";
        else if (uri.UserInfo.Length > 0) yield return $"{at}:Url must not hold credentials; use User and Password";
        else if (uri.AbsolutePath is not ("" or "/") || uri.Query.Length > 0) yield return $"{at}:Url must not have a path or query; use Database for the index";
        if (string.IsNullOrWhiteSpace(settings.Stream)) yield return $"{at}:Stream is required for type {Name}";
        if (settings.MaxLength is < 1) yield return $"{at}:MaxLength must be at least 1 when set";
        if (settings.Database < 0) yield return $"{at}:Database must be 0 or more";
        if (!string.IsNullOrEmpty(settings.User) && string.IsNullOrEmpty(settings.Password)) yield return $"{at}:User needs a Password";
        foreach (var error in settings.Tls?.Validate(at, "Tls") ?? []) yield return error;
        if (settings.Tls is { IsEmpty: false } && settings.Url?.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase) == false)
            yield return $"{at}:Tls needs a rediss:// Url (TLS is on only with rediss://)";
    }

    /// <summary>Null: not HTTP.</summary>
    public override Uri? Endpoint(RedisSettings settings) => null;

    public override IEnumerable<string> Secrets(RedisSettings settings)
    {
        if (!string.IsNullOrEmpty(settings.Password)) yield return settings.Password;
        foreach (var secret in settings.Tls?.Secrets() ?? []) yield return secret;
    }
}
