namespace FalcoHook.Core.Destinations.Nats;

/// <summary>
/// <c>Type: nats</c>: each alert's JSON (summary fields included) published on a subject, over one long-lived
/// connection per destination (NATS.Net reconnects it by itself). Core NATS has no acknowledgement: a batch counts as
/// delivered once the server answered a PING sent after it (it has the messages), which is at-most-once for
/// subscribers. With <c>JetStream: true</c> every message is a JetStream publish with <c>Nats-Msg-Id</c> = the delivery
/// id and counts as delivered only when the stream acknowledged it; a retry or a batch sent again after a crash is
/// dropped by the stream as a duplicate within its duplicate window (default 2 minutes). References:
/// https://docs.nats.io/nats-concepts/jetstream/streams (duplicate window), https://docs.nats.io/using-nats/developer/develop_jetstream/model_deep_dive
/// (message deduplication), https://nats-io.github.io/nats.net/documentation/jetstream/publish.html.
/// </summary>
public sealed class NatsDestination : DestinationType<NatsSettings, NatsSender>
{
    public override string Name => "nats";

    public override BatchDefaults Batching => new(500, TimeSpan.FromMilliseconds(200));

    public override IEnumerable<string> Validate(NatsSettings settings, string at)
    {
        if (string.IsNullOrWhiteSpace(settings.Url)) yield return $"{at}:Url is required for type {Name}";
        else if (settings.Url.Split(',', StringSplitOptions.TrimEntries).FirstOrDefault(u => !IsServerUrl(u)) is { } bad)
            yield return $"{at}:Url must be nats://, tls://, ws:// or wss:// URLs separated by commas (got '{Redaction.Url(bad)}')";
        if (string.IsNullOrWhiteSpace(settings.Subject)) yield return $"{at}:Subject is required for type {Name}";
        else if (NatsSubject.Problem(settings.Subject) is { } problem) yield return $"{at}:Subject {problem} (got '{settings.Subject}')";
        if (!settings.JetStream && !string.IsNullOrEmpty(settings.Stream)) yield return $"{at}:Stream needs JetStream: true";
        if (settings.Stream is { Length: > 0 } stream && stream.Any(c => char.IsWhiteSpace(c) || c is '.' or '*' or '>' or '/' or '\\'))
            yield return $"{at}:Stream must be a stream name without spaces, '.', '*', '>', '/' or '\\' (got '{stream}')";
        if (string.IsNullOrEmpty(settings.User) != string.IsNullOrEmpty(settings.Password)) yield return $"{at}:User and Password go together";
        var ways = new[] { settings.User, settings.Token, settings.CredsFile, settings.NKeyFile }.Count(v => !string.IsNullOrEmpty(v));
        if (ways > 1) yield return $"{at}:User/Password, Token, CredsFile and NKeyFile exclude each other";
        foreach (var (key, file) in new[] { ("CredsFile", settings.CredsFile), ("NKeyFile", settings.NKeyFile) })
            if (!string.IsNullOrEmpty(file) && !File.Exists(file)) yield return $"{at}:{key} '{file}' does not exist";
        foreach (var error in settings.Tls?.Validate(at, "Tls") ?? []) yield return error;
    }

    /// <summary>Null: not HTTP.</summary>
    public override Uri? Endpoint(NatsSettings settings) => null;

    public override IEnumerable<string> Secrets(NatsSettings settings)
    {
        if (!string.IsNullOrEmpty(settings.Password)) yield return settings.Password;
        if (!string.IsNullOrEmpty(settings.Token)) yield return settings.Token;
        foreach (var secret in settings.Tls?.Secrets() ?? []) yield return secret;
        foreach (var url in (settings.Url ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0)
            {
                yield return uri.UserInfo;
                if (uri.UserInfo.Split(':', 2) is [_, var password]) yield return Uri.UnescapeDataString(password);
            }
    }

    private static bool IsServerUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "nats" or "tls" or "ws" or "wss" && uri.Host.Length > 0;
}
