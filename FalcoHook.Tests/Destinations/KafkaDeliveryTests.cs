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

    [Fact]
    public async Task Gzip_compressed_batches_arrive_complete()
    {
        await using var broker = new KafkaBrokerFake();
        await using var host = await DeliveryTestHost.StartAsync(new(Settings(broker)) { ["FalcoHook:Destinations:kafka:Compression"] = "gzip" });

        await host.Outbox.EnqueueAsync(Enumerable.Range(0, 50).Select(n => new RoutedNotification(TestAlerts.Notification(n), ["kafka"])).ToList(), CancellationToken.None);
        await Eventually.TrueAsync(async () => await Delivered(host) == 50, "50 delivered");

        Assert.Empty(broker.Violations);
        Assert.NotEmpty(broker.Compressions);
        Assert.All(broker.Compressions, c => Assert.Equal(1, c));
        Assert.Equal(Enumerable.Range(0, 50).Select(n => TestAlerts.Notification(n).Alert.ToJson()).Order(), broker.Records.Select(r => r.Record.ValueText!).Order());
    }

    [Fact]
    public async Task Two_thousand_alerts_arrive_in_a_few_produce_requests()
    {
        await using var broker = new KafkaBrokerFake();
        await using var host = await DeliveryTestHost.StartAsync(Settings(broker));
        const int total = 2000;

        await host.Outbox.EnqueueAsync(Enumerable.Range(0, total).Select(n => new RoutedNotification(TestAlerts.Notification(n), ["kafka"])).ToList(), CancellationToken.None);
        await Eventually.TrueAsync(async () => await Delivered(host) == total, $"{total} delivered", TimeSpan.FromSeconds(60));

        Assert.Empty(broker.Violations);
        Assert.Empty(broker.DuplicateDeliveryIds);
        Assert.Equal(Enumerable.Range(0, total).Select(n => TestAlerts.Shell(n).Output).Order(),
            broker.Records.Select(r => Alert(r.Record.Value!).GetProperty("output").GetString()!).Order());
        // Four batches of 500 (the type's default), each at most one Produce per partition of the three.
        Assert.InRange(broker.ProduceRequests, 1, 12);
    }

    [Fact]
    public async Task With_the_broker_stopped_a_while_under_load_every_delivered_alert_is_stored_once()
    {
        await using var broker = new KafkaBrokerFake();
        await using var host = await DeliveryTestHost.StartAsync(new(Settings(broker))
        {
            ["FalcoHook:Destinations:kafka:BatchSize"] = "25",
            ["FalcoHook:Destinations:kafka:Timeout"] = "00:00:20",
        });
        const int total = 800;
        var enqueued = 0;

        var producer = Task.Run(async () =>
        {
            for (var start = 0; start < total; start += 20)
            {
                await host.Outbox.EnqueueAsync(Enumerable.Range(start, 20).Select(n => new RoutedNotification(TestAlerts.Notification(n), ["kafka"])).ToList(), CancellationToken.None);
                Interlocked.Add(ref enqueued, 20);
                await Task.Delay(40); // pacing of the load, not a wait for an effect
            }
        });
        await Eventually.TrueAsync(async () => await Delivered(host) >= 100, "100 delivered before the stop");
        await broker.StopAsync();
        var atStop = Volatile.Read(ref enqueued);
        await Eventually.TrueAsync(() => Volatile.Read(ref enqueued) >= atStop + 100 || producer.IsCompleted, "100 more alerts enqueued while the broker is down");
        var deliveredWhileDown = await Delivered(host);
        Assert.True(deliveredWhileDown < Volatile.Read(ref enqueued), $"{deliveredWhileDown} delivered of {enqueued} with the broker down");
        broker.StartAgain();
        await producer;

        await Eventually.TrueAsync(async () => await Delivered(host) == total, $"{total} delivered", TimeSpan.FromSeconds(60));
        Assert.Empty(broker.Violations);
        Assert.Empty(broker.DuplicateDeliveryIds);
        var deliveryIds = (await host.Store.ListAsync(new DeliveryQuery(Limit: 10_000), CancellationToken.None)).Items.Select(d => d.Id).Order().ToList();
        Assert.Equal(deliveryIds, broker.Records.Select(r => r.Record.Header(KafkaSender.DeliveryIdHeader)!).Order().ToList());
        Assert.Equal(Enumerable.Range(0, total).Select(n => TestAlerts.Shell(n).Output).Order(),
            broker.Records.Select(r => Alert(r.Record.Value!).GetProperty("output").GetString()!).Order());
    }

    [Fact]
    public async Task A_produce_answer_lost_with_the_connection_is_sent_again_by_the_producer_and_stored_once()
    {
        await using var broker = new KafkaBrokerFake(partitions: 1);
        broker.LoseNextProduceResponse();
        await using var host = await DeliveryTestHost.StartAsync(Settings(broker));

        await host.Outbox.EnqueueAsync(Enumerable.Range(0, 10).Select(n => new RoutedNotification(TestAlerts.Notification(n), ["kafka"])).ToList(), CancellationToken.None);
        await Eventually.TrueAsync(async () => await Delivered(host) == 10, "10 delivered");

        Assert.Empty(broker.Violations);
        Assert.Equal(1, broker.RetriesAbsorbed); // the same producer id, epoch and sequences: the broker keeps the first copy
        Assert.Equal(10, broker.Records.Count);
        Assert.Empty(broker.DuplicateDeliveryIds);
    }

    [Fact]
    public async Task A_retriable_produce_error_is_retried_and_the_alert_stored_once()
    {
        await using var broker = new KafkaBrokerFake(partitions: 1);
        broker.FailProduces(KafkaErrors.NotEnoughReplicas, 3);
        await using var host = await DeliveryTestHost.StartAsync(Settings(broker));

        var id = (await host.EnqueueAsync(TestAlerts.Notification(), "kafka")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Delivered, 30);

        Assert.Equal(4, broker.ProduceRequests); // three answered NOT_ENOUGH_REPLICAS, the fourth stored
        Assert.Equal(1, record.Attempts); // the producer retried within the message timeout
        Assert.Equal(id, Assert.Single(broker.Records).Record.Header(KafkaSender.DeliveryIdHeader));
        Assert.Empty(broker.Violations);
    }

    [Fact]
    public async Task A_partition_that_refuses_for_good_kills_exactly_its_deliveries_with_the_error()
    {
        await using var broker = new KafkaBrokerFake(partitions: 3);
        var hosts = HostsOnPartitions(3);
        broker.RefusePartition(1, KafkaErrors.MessageTooLarge);
        await using var host = await DeliveryTestHost.StartAsync(new(Settings(broker)) { ["FalcoHook:Destinations:kafka:KeyField"] = "hostname" });

        var ids = new Dictionary<string, int>();
        for (var n = 0; n < 6; n++)
            foreach (var id in await host.EnqueueAsync(TestAlerts.FromInbox(TestAlerts.Shell(n, hostname: hosts[n % 3]), $"fp-{n}"), "kafka")) ids[id] = n % 3;
        foreach (var (id, partition) in ids)
        {
            var record = await host.WaitForStateAsync(id, partition == 1 ? DeliveryState.Dead : DeliveryState.Delivered, 30);
            if (partition == 1) Assert.Contains("MsgSizeTooLarge", record.LastError, StringComparison.Ordinal);
        }
        Assert.Equal(ids.Where(i => i.Value != 1).Select(i => i.Key).Order(), broker.Records.Select(r => r.Record.Header(KafkaSender.DeliveryIdHeader)!).Order());

        // The producer goes on after the refusal (a new producer id or epoch; the fake checks its sequences start again at 0).
        broker.RefusePartition(1, null);
        var again = (await host.EnqueueAsync(TestAlerts.FromInbox(TestAlerts.Shell(7, hostname: hosts[1]), "fp-7"), "kafka")).Single();
        await host.WaitForStateAsync(again, DeliveryState.Delivered, 30);
        Assert.Equal(1, broker.Records.Single(r => r.Record.Header(KafkaSender.DeliveryIdHeader) == again).Partition);
        Assert.Empty(broker.Violations);
    }

    [Fact]
    public async Task A_broker_that_is_down_keeps_the_delivery_pending_with_the_reason_until_it_is_back()
    {
        await using var broker = new KafkaBrokerFake(partitions: 1);
        await broker.StopAsync();
        await using var host = await DeliveryTestHost.StartAsync(new(Settings(broker)) { ["FalcoHook:Destinations:kafka:MessageTimeout"] = "00:00:01" });

        var id = (await host.EnqueueAsync(TestAlerts.Notification(), "kafka")).Single();
        var pending = await host.WaitForAsync(id, r => r.State == DeliveryState.Pending && r.LastError is not null, 30);
        Assert.Contains("Local_MsgTimedOut", pending.LastError, StringComparison.Ordinal);
        broker.StartAgain();

        await host.WaitForStateAsync(id, DeliveryState.Delivered, 30);
        Assert.Equal(id, Assert.Single(broker.Records).Record.Header(KafkaSender.DeliveryIdHeader));
        Assert.Empty(broker.Violations);
    }

    [Fact]
    public void Settings_are_checked_and_each_failure_names_its_key()
    {
        var failures = DestinationSettings.Failures(new()
        {
            ["FalcoHook:Destinations:a:Type"] = "kafka",
            ["FalcoHook:Destinations:b:Type"] = "kafka",
            ["FalcoHook:Destinations:b:BootstrapServers"] = "kafka-1:9092,kafka-2",
            ["FalcoHook:Destinations:b:Topic"] = "falco alerts",
            ["FalcoHook:Destinations:b:KeyField"] = " ",
            ["FalcoHook:Destinations:b:Compression"] = "brotli",
            ["FalcoHook:Destinations:b:MessageTimeout"] = "-00:00:01",
            ["FalcoHook:Destinations:c:Type"] = "kafka",
            ["FalcoHook:Destinations:c:BootstrapServers"] = "kafka-1:9093",
            ["FalcoHook:Destinations:c:Topic"] = "falco",
            ["FalcoHook:Destinations:c:Sasl:Mechanism"] = "GSSAPI",
            ["FalcoHook:Destinations:c:Sasl:User"] = "falco",
            ["FalcoHook:Destinations:c:Tls:ClientCertificate"] = "/nonexistent/client.pem",
        });

        Assert.Equal([
            "FalcoHook:Destinations:a:BootstrapServers is required for type kafka",
            "FalcoHook:Destinations:a:Topic is required for type kafka",
            "FalcoHook:Destinations:b:BootstrapServers must be host:port pairs separated by commas (got 'kafka-2')",
            "FalcoHook:Destinations:b:Topic must be 1 to 249 of a-z, A-Z, 0-9, '.', '_' and '-' (got 'falco alerts')",
            "FalcoHook:Destinations:b:KeyField must name an alert field (e.g. hostname)",
            "FalcoHook:Destinations:b:Compression must be one of none, gzip, snappy, lz4, zstd (got 'brotli')",
            "FalcoHook:Destinations:b:MessageTimeout must be positive",
            "FalcoHook:Destinations:c:Sasl:Mechanism must be one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 (got 'GSSAPI')",
            "FalcoHook:Destinations:c:Sasl:User and Sasl:Password are both required",
            "FalcoHook:Destinations:c:Tls:ClientCertificate and Tls:ClientKey go together",
        ], failures);
    }

    [Fact]
    public void The_SASL_password_and_a_client_key_given_as_text_are_masked()
    {
        const string key = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----";
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["FalcoHook:Destinations:k:Type"] = "kafka",
            ["FalcoHook:Destinations:k:BootstrapServers"] = "kafka-1:9093",
            ["FalcoHook:Destinations:k:Topic"] = "falco",
            ["FalcoHook:Destinations:k:Sasl:Mechanism"] = "SCRAM-SHA-512",
            ["FalcoHook:Destinations:k:Sasl:User"] = "falco",
            ["FalcoHook:Destinations:k:Sasl:Password"] = "s3cr3t-sasl-pw",
        }).Build();
        using var services = new ServiceCollection().AddDestinations(config).BuildServiceProvider();
        Assert.True(services.GetRequiredService<DestinationCatalog>().TryGet("k", out var destination));

        Assert.Equal($"SASL failed for falco with {Redaction.Mask}", Redaction.Scrub("SASL failed for falco with s3cr3t-sasl-pw", destination));
        var secrets = new KafkaDestination().Secrets(new KafkaSettings { Tls = new KafkaTls { ClientKey = key } }).ToList();
        Assert.Contains("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7", secrets);
    }

    /// <summary>Host names whose CRC-32 puts them on partitions 0, 1, 2… as librdkafka's default partitioner (consistent_random) does for a key.</summary>
    private static string[] HostsOnPartitions(int partitions)
    {
        var hosts = new string[partitions];
        for (var n = 0; hosts.Any(h => h is null); n++)
        {
            var name = $"node-{n}";
            var partition = (int)(Crc32.HashToUInt32(Encoding.UTF8.GetBytes(name)) % (uint)partitions);
            hosts[partition] ??= name;
        }
        return hosts;
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
