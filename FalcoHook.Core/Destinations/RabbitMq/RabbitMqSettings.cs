namespace FalcoHook.Core.Destinations.RabbitMq;

/// <summary>The keys of a <c>Type: rabbitmq</c> destination besides the shared ones.</summary>
public sealed class RabbitMqSettings
{
    /// <summary><c>amqp://user:password@host:5672/vhost</c> or <c>amqps://…:5671/…</c> (required); the user info is a secret.</summary>
    public string? Url { get; set; }

    /// <summary>The exchange to publish to; empty (the default) is the broker's default exchange, where the routing key names a queue.</summary>
    public string Exchange { get; set; } = "";

    /// <summary>The routing key of every message (required; at most 255 bytes).</summary>
    public string? RoutingKey { get; set; }

    /// <summary>
    /// True (the default): published with <c>mandatory</c>, so a message no queue is bound to receive comes back
    /// (<c>basic.return</c>) and the delivery is retried instead of counted. False: the broker may drop it.
    /// </summary>
    public bool Mandatory { get; set; } = true;

    /// <summary>
    /// TLS: <c>CaCertificates</c> the broker's certificate may chain to besides the system's, and a
    /// <c>ClientCertificate</c> with its <c>ClientKey</c> for a broker that verifies peers; with an <c>amqps://</c> Url.
    /// </summary>
    public DestinationTls? Tls { get; set; }
}
