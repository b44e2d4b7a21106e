namespace FalcoHook.Core.Destinations.Kafka;

/// <summary>The keys of a <c>Type: kafka</c> destination besides the shared ones.</summary>
public sealed class KafkaSettings
{
    /// <summary>The brokers to bootstrap from (required): <c>host:port</c>, several separated by commas.</summary>
    public string? BootstrapServers { get; set; }

    /// <summary>The topic each alert is produced to (required).</summary>
    public string? Topic { get; set; }

    /// <summary>
    /// An alert field whose value is the message key, e.g. <c>hostname</c> or <c>k8s.ns.name</c> (<c>rule</c>,
    /// <c>priority</c>, <c>source</c>, <c>hostname</c>, with or without <c>falco.</c>, or an <c>output_fields</c> key):
    /// alerts with one key go to one partition, in order. Unset, or a field the alert lacks: no key.
    /// </summary>
    public string? KeyField { get; set; }

    /// <summary><c>none</c> (default), <c>gzip</c>, <c>snappy</c>, <c>lz4</c> or <c>zstd</c>.</summary>
    public string? Compression { get; set; }

    /// <summary>SASL authentication (over TLS when <see cref="Tls"/> is set).</summary>
    public KafkaSasl? Sasl { get; set; }

    /// <summary>TLS to the brokers.</summary>
    public KafkaTls? Tls { get; set; }

    /// <summary>
    /// How long the producer keeps trying a message (its own retries included) before it reports the message failed;
    /// unset means the destination's <c>Timeout</c>. An attempt waits this long, plus a few seconds, for every report.
    /// </summary>
    public TimeSpan? MessageTimeout { get; set; }
}

/// <summary><c>Sasl</c>: a mechanism and its user name and password.</summary>
public sealed class KafkaSasl
{
    /// <summary><c>PLAIN</c>, <c>SCRAM-SHA-256</c> or <c>SCRAM-SHA-512</c>.</summary>
    public string? Mechanism { get; set; }

    public string? User { get; set; }

    public string? Password { get; set; }
}

/// <summary>
/// <c>Tls</c>, with the key names of a destination's <c>Https</c> (<see cref="DestinationTls"/>): each a PEM file's path
/// or the PEM text itself. TLS is on when <see cref="Enabled"/> is true or any certificate key is set; the brokers'
/// certificates are then checked against the system's CAs, or against <see cref="CaCertificates"/> when given.
/// </summary>
public sealed class KafkaTls
{
    public bool Enabled { get; set; }

    /// <summary>The CA certificates (a PEM bundle) that signed the brokers' certificates.</summary>
    public string? CaCertificates { get; set; }

    /// <summary>The client certificate (PEM) for brokers that require one.</summary>
    public string? ClientCertificate { get; set; }

    /// <summary>The client certificate's private key (unencrypted PEM).</summary>
    public string? ClientKey { get; set; }

    public bool On => Enabled || CaCertificates is not null || ClientCertificate is not null || ClientKey is not null;

    public DestinationTls AsDestinationTls() => new() { CaCertificates = CaCertificates, ClientCertificate = ClientCertificate, ClientKey = ClientKey };
}
