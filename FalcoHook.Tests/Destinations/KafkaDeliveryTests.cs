using System.IO.Hashing;
using System.Text;
using System.Text.Json;
using FalcoHook.Api.Destinations;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Destinations.Kafka;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;
using FalcoHook.Tests.Support.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: kafka</c> (Confluent.Kafka, librdkafka) against <see cref="KafkaBrokerFake"/>, an in-test broker that
/// speaks the Kafka wire protocol as kafka.apache.org/protocol documents it and checks what an idempotent
/// <c>acks=all</c> producer must do (acks -1, a producer id from InitProducerId, contiguous sequences, CRC-32C). No
/// Kafka broker runs on the test machine: this type is "tested against the documented API".
/// </summary>
public sealed class KafkaDeliveryTests
{
    [Fact]
    public async Task Alerts_arrive_complete_with_the_key_field_as_key_and_the_delivery_id_header()
    {
        await using var broker = new KafkaBrokerFake();
        await using var host = await DeliveryTestHost.StartAsync(new(Settings(broker)) { ["FalcoHook:Destinations:kafka:KeyField"] = "k8s.ns.name" });
        var notifications = new[] { TestAlerts.Notification(1), TestAlerts.Notification(2, Priority.Warning), TestAlerts.StormSummary() };

        var ids = new List<string>();
        foreach (var notification in notifications) ids.AddRange(await host.EnqueueAsync(notification, "kafka"));
        foreach (var id in ids) await host.WaitForStateAsync(id, DeliveryState.Delivered, 30);

        Assert.Empty(broker.Violations);
        var stored = broker.Records.ToDictionary(r => r.Record.Header(KafkaSender.DeliveryIdHeader)!);
        Assert.Equal(ids.Order(), stored.Keys.Order());
        Assert.Equal(notifications[0].Alert.ToJson(), stored[ids[0]].Record.ValueText);
        Assert.Equal(notifications[1].Alert.ToJson(), stored[ids[1]].Record.ValueText);
        Assert.Equal(42, Alert(stored[ids[2]].Record.Value!).GetProperty("output_fields").GetProperty(SummaryFields.Count).GetInt64());
        Assert.All(stored.Values, r => Assert.Equal("default", r.Record.KeyText));
        Assert.All(stored.Values, r => Assert.Equal("application/json", r.Record.Header("content-type")));
        Assert.All(broker.Acks, acks => Assert.Equal(-1, acks));
        // The client asked ApiVersions v3, got the v0 answer with UNSUPPORTED_VERSION, and asked again at a version the fake serves.
        var apiVersions = broker.Requests.Where(r => r.Key == KafkaApis.ApiVersions).Select(r => r.Version).ToList();
        Assert.Contains((short)3, apiVersions);
        Assert.Contains(apiVersions, v => v <= 2);
    }

    private static JsonElement Alert(byte[] data) => JsonDocument.Parse(data).RootElement.Clone();

    private static async Task<long> Delivered(DeliveryTestHost host) =>
        (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered);

    private static Dictionary<string, string?> Settings(KafkaBrokerFake broker) => new()
    {
        ["FalcoHook:Destinations:kafka:Type"] = "kafka",
        ["FalcoHook:Destinations:kafka:BootstrapServers"] = broker.BootstrapServers,
        ["FalcoHook:Destinations:kafka:Topic"] = broker.Topic,
        ["FalcoHook:Destinations:kafka:BatchLinger"] = "00:00:00.100",
    };
}
