namespace FalcoHook.Core.Destinations.Nats;

/// <summary>The keys of a <c>Type: nats</c> destination besides the shared ones.</summary>
public sealed class NatsSettings
{
    /// <summary>
    /// The server (required): <c>nats://host:4222</c>, or <c>tls://host:4222</c> to require TLS; several servers of one
    /// cluster separated by commas.
    /// </summary>
    public string? Url { get; set; }

    /// <summary>
    /// The subject each alert is published on (required), e.g. <c>falco.alerts</c> or <c>falco.{priority}.{rule}</c>:
    /// <c>{priority}</c>, <c>{rule}</c>, <c>{source}</c> and <c>{hostname}</c> become the alert's values made subject-safe
    /// (see <see cref="NatsSubject"/>).
    /// </summary>
    public string? Subject { get; set; }

    /// <summary>
    /// When true, publish through JetStream: each message carries <c>Nats-Msg-Id</c> = the delivery id and counts as
    /// delivered only once the stream acknowledged it. A stream must capture <see cref="Subject"/>.
    /// </summary>
    public bool JetStream { get; set; }

    /// <summary>For JetStream: the stream that must store the messages (sent as <c>Nats-Expected-Stream</c>); a message another stream captures is refused.</summary>
    public string? Stream { get; set; }

    /// <summary>User name and password authentication.</summary>
    public string? User { get; set; }

    public string? Password { get; set; }

    /// <summary>Token authentication.</summary>
    public string? Token { get; set; }

    /// <summary>A <c>.creds</c> file (user JWT and NKey seed), as the <c>nats</c> tool and <c>nsc</c> write it.</summary>
    public string? CredsFile { get; set; }

    /// <summary>A file holding an NKey user seed (<c>SU…</c>).</summary>
    public string? NKeyFile { get; set; }

    /// <summary>
    /// TLS: <c>CaCertificates</c> the server's certificate may chain to besides the system's, and a
    /// <c>ClientCertificate</c> with its <c>ClientKey</c> for servers that verify clients. TLS is used with a
    /// <c>tls://</c> Url (required) or when a <c>nats://</c> server asks for it.
    /// </summary>
    public DestinationTls? Tls { get; set; }
}
