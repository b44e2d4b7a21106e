using Confluent.Kafka;

namespace FalcoHook.Core.Destinations.Kafka;

/// <summary>The librdkafka producer configuration of a destination: always <c>acks=all</c> and <c>enable.idempotence=true</c>.</summary>
public static class KafkaProducerConfig
{
    public static ProducerConfig For(KafkaSettings settings, TimeSpan messageTimeout)
    {
        var config = new ProducerConfig
        {
            BootstrapServers = settings.BootstrapServers,
            ClientId = "falcohook",
            Acks = Acks.All,
            EnableIdempotence = true,
            MessageTimeoutMs = (int)Math.Clamp(messageTimeout.TotalMilliseconds, 1, int.MaxValue),
            CompressionType = (settings.Compression?.ToLowerInvariant() ?? "none") switch
            {
                "gzip" => CompressionType.Gzip,
                "snappy" => CompressionType.Snappy,
                "lz4" => CompressionType.Lz4,
                "zstd" => CompressionType.Zstd,
                _ => CompressionType.None,
            },
            // A broker that is back is found within a few seconds; librdkafka's default backoff grows to 10 s.
            ReconnectBackoffMaxMs = 2000,
        };
        var tls = settings.Tls is { On: true } ? settings.Tls : null;
        var sasl = settings.Sasl;
        config.SecurityProtocol = (sasl, tls) switch
        {
            (not null, not null) => SecurityProtocol.SaslSsl,
            (not null, null) => SecurityProtocol.SaslPlaintext,
            (null, not null) => SecurityProtocol.Ssl,
            _ => SecurityProtocol.Plaintext,
        };
        if (sasl is not null)
        {
            config.SaslMechanism = sasl.Mechanism?.ToUpperInvariant() switch
            {
                "SCRAM-SHA-256" => SaslMechanism.ScramSha256,
                "SCRAM-SHA-512" => SaslMechanism.ScramSha512,
                _ => SaslMechanism.Plain,
            };
            config.SaslUsername = sasl.User;
            config.SaslPassword = sasl.Password;
        }
        if (tls is not null)
        {
            if (tls.CaCertificates is { } ca) config.SslCaPem = DestinationTls.Text(ca);
            if (tls.ClientCertificate is { } certificate) config.SslCertificatePem = DestinationTls.Text(certificate);
            if (tls.ClientKey is { } key) config.SslKeyPem = DestinationTls.Text(key);
        }
        return config;
    }
}
