using System.Text.Json;
using FalcoHook.Api.Destinations;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: redis</c> into a real redis-server started by the fixture (Debian's package): each alert is one stream entry
/// whose fields are the delivery id, rule, priority, hostname and the alert JSON as sent; <c>MaxLength</c> trims; a key
/// of another type dead-letters; and with the server stopped a while under load and started again, every delivery the
/// outbox counts as delivered is in the stream (at least once: XADD has no idempotency, so ids are counted distinct).
/// </summary>
public sealed class RedisDeliveryTests(RedisServer redis) : IClassFixture<RedisServer>
{
    [SkippableFact]
    public async Task Alerts_arrive_complete_as_stream_entries()
    {
        RedisServer.Require();
        await using var host = await DeliveryTestHost.StartAsync(Settings("complete"));
        var notifications = new[] { TestAlerts.Notification(1), TestAlerts.Notification(2, Priority.Warning), TestAlerts.StormSummary() };

        var ids = new List<string>();
        foreach (var notification in notifications) ids.AddRange(await host.EnqueueAsync(notification, "redis"));
        foreach (var id in ids) await host.WaitForStateAsync(id, DeliveryState.Delivered);

        var entries = (await redis.ReadStreamAsync("complete")).ToDictionary(e => (string)e["id"]!);
        Assert.Equal(ids.Order(), entries.Keys.Order());
        var first = entries[ids[0]];
        Assert.Equal(["id", "rule", "priority", "hostname", "alert"], first.Values.Select(v => (string)v.Name!));
        Assert.Equal(["Terminal shell in container", "Critical", "falco-xczjd"], [(string)first["rule"]!, (string)first["priority"]!, (string)first["hostname"]!]);
        Assert.Equal(notifications[0].Alert.ToJson(), (string)first["alert"]!);
        Assert.Equal("Warning", (string)entries[ids[1]]["priority"]!);
        Assert.Equal(notifications[1].Alert.ToJson(), (string)entries[ids[1]]["alert"]!);
        Assert.Equal(42, Alert(entries[ids[2]]).GetProperty("output_fields").GetProperty(SummaryFields.Count).GetInt64());
    }

    [SkippableFact]
    public async Task MaxLength_trims_the_stream_to_about_that_many_entries()
    {
        RedisServer.Require();
        await using var host = await DeliveryTestHost.StartAsync(new(Settings("trimmed")) { ["FalcoHook:Destinations:redis:MaxLength"] = "10" });
        const int total = 300;

        await host.Outbox.EnqueueAsync(Enumerable.Range(0, total).Select(n => new RoutedNotification(TestAlerts.Notification(n), ["redis"])).ToList(), CancellationToken.None);
        await Eventually.TrueAsync(async () => await Delivered(host) == total, $"{total} delivered");

        // MAXLEN ~ trims whole nodes of the stream (100 entries by default), so up to about a node more than 10 stays.
        var length = await redis.Database().StreamLengthAsync("trimmed");
        Assert.InRange(length, 10, 110);
    }

    [SkippableFact]
    public async Task A_key_of_another_type_dead_letters_the_delivery_with_Redis_answer()
    {
        RedisServer.Require();
        await redis.Database().StringSetAsync("not-a-stream", "text");
        await using var host = await DeliveryTestHost.StartAsync(Settings("not-a-stream"));

        var id = (await host.EnqueueAsync(TestAlerts.Notification(), "redis")).Single();
        var record = await host.WaitForStateAsync(id, DeliveryState.Dead);

        Assert.StartsWith("Redis refused XADD: WRONGTYPE", record.LastError, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task With_the_server_stopped_a_while_under_load_every_delivered_alert_is_in_the_stream()
    {
        RedisServer.Require();
        await using var host = await DeliveryTestHost.StartAsync(new(Settings("outage"))
        {
            ["FalcoHook:Destinations:redis:BatchSize"] = "25",
            ["FalcoHook:Destinations:redis:Timeout"] = "00:00:01",
        });
        const int total = 600;

        var producer = Task.Run(async () =>
        {
            for (var start = 0; start < total; start += 20)
            {
                await host.Outbox.EnqueueAsync(Enumerable.Range(start, 20).Select(n => new RoutedNotification(TestAlerts.Notification(n), ["redis"])).ToList(), CancellationToken.None);
                await Task.Delay(40); // pacing of the load, not a wait for an effect
            }
        });
        await Eventually.TrueAsync(async () => await Delivered(host) >= 100, "100 delivered before the stop");
        await redis.StopAsync();
        await Eventually.TrueAsync(async () => (await host.Store.ListAsync(new DeliveryQuery(DeliveryState.Pending, Limit: 1000), CancellationToken.None)).Items
            .Any(d => d.LastError?.Contains("Redis", StringComparison.Ordinal) == true), "a send failed while redis-server is down");
        await redis.StartAgainAsync();
        await producer;

        await Eventually.TrueAsync(async () => await Delivered(host) == total, $"{total} delivered", TimeSpan.FromSeconds(60));
        var entries = await redis.ReadStreamAsync("outage");
        var deliveryIds = (await host.Store.ListAsync(new DeliveryQuery(Limit: 10_000), CancellationToken.None)).Items.Select(d => d.Id).Order().ToList();
        Assert.Equal(deliveryIds, entries.Select(e => (string)e["id"]!).Distinct().Order().ToList());
        Assert.Equal(Enumerable.Range(0, total).Select(n => TestAlerts.Shell(n).Output).Order(),
            entries.Select(e => Alert(e).GetProperty("output").GetString()!).Distinct().Order());
    }

    [Fact]
    public void Settings_are_checked_and_each_failure_names_its_key()
    {
        var failures = DestinationSettings.Failures(new()
        {
            ["FalcoHook:Destinations:a:Type"] = "redis",
            ["FalcoHook:Destinations:b:Type"] = "redis",
            ["FalcoHook:Destinations:b:Url"] = "https://redis.example",
            ["FalcoHook:Destinations:b:Stream"] = "falco",
            ["FalcoHook:Destinations:b:MaxLength"] = "0",
            ["FalcoHook:Destinations:b:User"] = "falco",
            ["FalcoHook:Destinations:c:Type"] = "redis",
            ["FalcoHook:Destinations:c:Url"] = "redis://falco:s3cret-password@redis.example:6379",
            ["FalcoHook:Destinations:c:Stream"] = "falco",
            ["FalcoHook:Destinations:d:Type"] = "redis",
            ["FalcoHook:Destinations:d:Url"] = "rediss://redis.example/2",
            ["FalcoHook:Destinations:d:Stream"] = "falco",
            ["FalcoHook:Destinations:d:Tls:CaCertificates"] = "/nonexistent/ca.pem",
        });

        Assert.Equal([
            "FalcoHook:Destinations:a:Url is required for type redis",
            "FalcoHook:Destinations:a:Stream is required for type redis",
            "FalcoHook:Destinations:b:Url must be redis://host:port or rediss://host:port (got 'https://redis.example')",
            "FalcoHook:Destinations:b:MaxLength must be at least 1 when set",
            "FalcoHook:Destinations:b:User needs a Password",
            "FalcoHook:Destinations:c:Url must not hold credentials; use User and Password",
            "FalcoHook:Destinations:d:Url must not have a path or query; use Database for the index",
            "FalcoHook:Destinations:d:Tls:CaCertificates: cannot read '/nonexistent/ca.pem' (DirectoryNotFoundException)",
        ], failures);
        Assert.DoesNotContain(failures, f => f.Contains("s3cret-password", StringComparison.Ordinal));
    }

    private static async Task<long> Delivered(DeliveryTestHost host) =>
        (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered);

    private static JsonElement Alert(StreamEntry entry) => JsonDocument.Parse((string)entry["alert"]!).RootElement.Clone();

    private Dictionary<string, string?> Settings(string stream) => new()
    {
        ["FalcoHook:Destinations:redis:Type"] = "redis",
        ["FalcoHook:Destinations:redis:Url"] = redis.Url,
        ["FalcoHook:Destinations:redis:Stream"] = stream,
        ["FalcoHook:Destinations:redis:BatchLinger"] = "00:00:00.100",
    };
}
