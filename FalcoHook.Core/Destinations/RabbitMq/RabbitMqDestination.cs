using System.Text;

namespace FalcoHook.Core.Destinations.RabbitMq;

/// <summary>
/// <c>Type: rabbitmq</c>: each alert as one persistent AMQP 0-9-1 message (<c>content-type: application/json</c>, the
/// alert's JSON with the summary fields, <c>message-id</c> = the delivery id) published to <c>Exchange</c> with
/// <c>RoutingKey</c>, on a channel with publisher confirms (https://www.rabbitmq.com/docs/confirms). A delivery counts
/// only once the broker confirmed it; a nack, a <c>basic.return</c> (unroutable, with <c>Mandatory</c>) or a lost
/// connection is retried. At least once: a confirm lost with the connection makes the message go again (consumers can
/// drop repeats by <c>message-id</c>).
/// </summary>
public sealed class RabbitMqDestination : DestinationType<RabbitMqSettings, RabbitMqSender>
{
    public override string Name => "rabbitmq";

    /// <summary>A batch is published in one go and its confirms awaited together.</summary>
    public override BatchDefaults Batching => new(200, TimeSpan.FromMilliseconds(50));

    public override IEnumerable<string> Validate(RabbitMqSettings settings, string at)
    {
        if (string.IsNullOrWhiteSpace(settings.Url)) yield return $"{at}:Url is required for type {Name}";
        else if (!(Uri.TryCreate(settings.Url, UriKind.Absolute, out var uri) && uri.Scheme is "amqp" or "amqps" && uri.Host.Length > 0))
            yield return $"{at}:Url must be an absolute amqp:// or amqps:// URL";
        if (string.IsNullOrWhiteSpace(settings.RoutingKey)) yield return $"{at}:RoutingKey is required for type {Name}";
        else if (Encoding.UTF8.GetByteCount(settings.RoutingKey) > 255) yield return $"{at}:RoutingKey must be at most 255 bytes";
        if (Encoding.UTF8.GetByteCount(settings.Exchange) > 255) yield return $"{at}:Exchange must be at most 255 bytes";
        foreach (var error in settings.Tls?.Validate(at, "Tls") ?? []) yield return error;
        if (settings.Tls is { IsEmpty: false } && settings.Url?.StartsWith("amqps://", StringComparison.OrdinalIgnoreCase) == false)
            yield return $"{at}:Tls needs an amqps:// Url (TLS is on only with amqps://)";
    }

    /// <summary>Null: not HTTP.</summary>
    public override Uri? Endpoint(RabbitMqSettings settings) => null;

    /// <summary>The URL, its user info and password, and a client key given as text.</summary>
    public override IEnumerable<string> Secrets(RabbitMqSettings settings)
    {
        foreach (var secret in settings.Tls?.Secrets() ?? []) yield return secret;
        if (string.IsNullOrEmpty(settings.Url) || !Uri.TryCreate(settings.Url, UriKind.Absolute, out var uri)) yield break;
        yield return settings.Url;
        if (string.IsNullOrEmpty(uri.UserInfo)) yield break;
        yield return uri.UserInfo;
        if (uri.UserInfo.Split(':', 2) is [_, var password]) yield return Uri.UnescapeDataString(password);
    }
}
