using FalcoHook.Api.Destinations;
using FalcoHook.Core.Destinations;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// The broker types' <c>Tls</c> section (the HTTP types' <c>Https</c> shape): checked at start with each failure naming
/// <c>Tls:</c> and the key, refused with a scheme that has no TLS, and a client key given as PEM text is a secret.
/// </summary>
public sealed class BrokerTlsSettingsTests
{
    [Fact]
    public void Tls_is_checked_for_every_broker_type_naming_the_key()
    {
        var failures = DestinationSettings.Failures(new()
        {
            ["FalcoHook:Destinations:n:Type"] = "nats",
            ["FalcoHook:Destinations:n:Url"] = "tls://nats.example:4222",
            ["FalcoHook:Destinations:n:Subject"] = "falco",
            ["FalcoHook:Destinations:n:Tls:ClientCertificate"] = "/nonexistent/client.crt",
            ["FalcoHook:Destinations:r:Type"] = "redis",
            ["FalcoHook:Destinations:r:Url"] = "redis://redis.example:6379",
            ["FalcoHook:Destinations:r:Stream"] = "falco",
            ["FalcoHook:Destinations:r:Tls:CaCertificates"] = "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----",
            ["FalcoHook:Destinations:q:Type"] = "rabbitmq",
            ["FalcoHook:Destinations:q:Url"] = "amqps://mq.example/",
            ["FalcoHook:Destinations:q:RoutingKey"] = "falco",
            ["FalcoHook:Destinations:q:Tls:ClientKey"] = "/nonexistent/client.key",
            ["FalcoHook:Destinations:m:Type"] = "mqtt",
            ["FalcoHook:Destinations:m:Url"] = "mqtt://mqtt.example:1883",
            ["FalcoHook:Destinations:m:Topic"] = "falco",
            ["FalcoHook:Destinations:m:Tls:CaCertificates"] = "/nonexistent/ca.crt",
        });

        Assert.Equal([
            "FalcoHook:Destinations:m:Tls needs an mqtts:// Url (TLS is on only with mqtts://)",
            "FalcoHook:Destinations:m:Tls:CaCertificates: cannot read '/nonexistent/ca.crt' (DirectoryNotFoundException)",
            "FalcoHook:Destinations:n:Tls:ClientCertificate and Tls:ClientKey go together",
            "FalcoHook:Destinations:q:Tls:ClientCertificate and Tls:ClientKey go together",
            "FalcoHook:Destinations:r:Tls needs a rediss:// Url (TLS is on only with rediss://)",
            "FalcoHook:Destinations:r:Tls:CaCertificates holds no PEM certificate",
        ], failures.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void A_client_key_given_as_pem_text_is_a_secret_of_every_broker_type()
    {
        var key = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----";
        var tls = new DestinationTls { ClientKey = key };

        Assert.Contains(key, new Core.Destinations.Nats.NatsDestination().Secrets(new() { Tls = tls }));
        Assert.Contains(key, new Core.Destinations.Redis.RedisDestination().Secrets(new() { Tls = tls }));
        Assert.Contains(key, new Core.Destinations.RabbitMq.RabbitMqDestination().Secrets(new() { Tls = tls }));
        Assert.Contains(key, new Core.Destinations.Mqtt.MqttDestination().Secrets(new() { Tls = tls }));
        Assert.Contains("MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg", new Core.Destinations.Mqtt.MqttDestination().Secrets(new() { Tls = tls }));
    }
}
