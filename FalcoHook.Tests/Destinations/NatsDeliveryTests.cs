using System.Text;
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
using NATS.Client.Core;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: nats</c> into a real nats-server started by the fixture (Debian's package), core NATS and JetStream: the
/// messages a subscriber or the stream gets are the alerts as sent (subject from the pattern, the alert JSON, the
/// delivery id as <c>Nats-Msg-Id</c>); with the server stopped a while under load and started again, every delivery
/// the outbox counts as delivered is in the stream exactly once; a subject no stream captures keeps its deliveries
/// pending.
/// </summary>
public sealed class NatsDeliveryTests(NatsServer nats) : IClassFixture<NatsServer>
{
    [SkippableFact]
    public async Task Core_alerts_arrive_complete_on_the_subject_the_pattern_makes()
    {
        NatsServer.Require();
        await using var reader = nats.Connect();
        await using var subscription = await reader.SubscribeCoreAsync<byte[]>("core.>");
        await reader.PingAsync(); // the subscription is registered at the server before anything is published
        await using var host = await DeliveryTestHost.StartAsync(Settings("core.{priority}.{rule}.{hostname}", jetStream: false));
        var notifications = new[] { TestAlerts.Notification(1), TestAlerts.Notification(2, Priority.Warning), TestAlerts.StormSummary() };

        var ids = new List<string>();
        foreach (var notification in notifications) ids.AddRange(await host.EnqueueAsync(notification, "nats"));
        var received = new List<NatsMsg<byte[]>>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (received.Count < 3) received.Add(await subscription.Msgs.ReadAsync(deadline.Token));

        var byId = received.ToDictionary(m => m.Headers!["Nats-Msg-Id"].ToString());
        Assert.Equal(ids.Order(), byId.Keys.Order());
        Assert.Equal("core.critical.Terminal_shell_in_container.falco_xczjd", byId[ids[0]].Subject);
        Assert.Equal("core.warning.Terminal_shell_in_container.falco_xczjd", byId[ids[1]].Subject);
        Assert.Equal(notifications[0].Alert.ToJson(), Encoding.UTF8.GetString(byId[ids[0]].Data!));
        Assert.Equal(notifications[1].Alert.ToJson(), Encoding.UTF8.GetString(byId[ids[1]].Data!));
        Assert.Equal("application/json", byId[ids[0]].Headers!["Content-Type"].ToString());
        Assert.Equal(42, Alert(byId[ids[2]].Data!).GetProperty("output_fields").GetProperty(SummaryFields.Count).GetInt64());
        foreach (var id in ids) await host.WaitForStateAsync(id, DeliveryState.Delivered);
    }

    [SkippableFact]
    public async Task JetStream_alerts_arrive_complete_with_the_delivery_id_as_Nats_Msg_Id()
    {
        NatsServer.Require();
        await nats.CreateStreamAsync("COMPLETE", "complete.>");
        await using var host = await DeliveryTestHost.StartAsync(new(Settings("complete.{priority}", jetStream: true)) { ["FalcoHook:Destinations:nats:Stream"] = "COMPLETE" });
        var notifications = new[] { TestAlerts.Notification(1), TestAlerts.Notification(2, Priority.Warning), TestAlerts.StormSummary() };

        var ids = new List<string>();
        foreach (var notification in notifications) ids.AddRange(await host.EnqueueAsync(notification, "nats"));
        foreach (var id in ids) await host.WaitForStateAsync(id, DeliveryState.Delivered);

        var stored = (await nats.ReadStreamAsync("COMPLETE")).ToDictionary(m => m.Headers!["Nats-Msg-Id"].ToString());
        Assert.Equal(ids.Order(), stored.Keys.Order());
        Assert.Equal("complete.critical", stored[ids[0]].Subject);
        Assert.Equal("complete.warning", stored[ids[1]].Subject);
        Assert.Equal(notifications[0].Alert.ToJson(), Encoding.UTF8.GetString(stored[ids[0]].Data!));
        Assert.Equal(notifications[1].Alert.ToJson(), Encoding.UTF8.GetString(stored[ids[1]].Data!));
        Assert.Equal(42, Alert(stored[ids[2]].Data!).GetProperty("output_fields").GetProperty(SummaryFields.Count).GetInt64());
    }

    [SkippableFact]
    public async Task JetStream_with_the_server_stopped_a_while_under_load_every_delivered_alert_is_in_the_stream_once()
    {
        NatsServer.Require();
        await nats.CreateStreamAsync("OUTAGE", "outage.>");
        await using var host = await DeliveryTestHost.StartAsync(new(Settings("outage.alerts", jetStream: true))
        {
            ["FalcoHook:Destinations:nats:BatchSize"] = "25",
            ["FalcoHook:Destinations:nats:Timeout"] = "00:00:01",
        });
        const int total = 600;

        var producer = Task.Run(async () =>
        {
            for (var start = 0; start < total; start += 20)
            {
                await host.Outbox.EnqueueAsync(Enumerable.Range(start, 20).Select(n => new RoutedNotification(TestAlerts.Notification(n), ["nats"])).ToList(), CancellationToken.None);
                await Task.Delay(40); // pacing of the load, not a wait for an effect
            }
        });
        await Eventually.TrueAsync(async () => await Delivered(host) >= 100, "100 delivered before the stop");
        await nats.StopAsync();
        await Eventually.TrueAsync(async () => (await host.Store.ListAsync(new DeliveryQuery(DeliveryState.Pending, Limit: 1000), CancellationToken.None)).Items
            .Any(d => d.LastError?.Contains("NATS", StringComparison.Ordinal) == true), "a send failed while nats-server is down");
        await nats.StartAgainAsync();
        await producer;

        await Eventually.TrueAsync(async () => await Delivered(host) == total, $"{total} delivered", TimeSpan.FromSeconds(60));
        var stored = await nats.ReadStreamAsync("OUTAGE");
        var deliveryIds = (await host.Store.ListAsync(new DeliveryQuery(Limit: 10_000), CancellationToken.None)).Items.Select(d => d.Id).Order().ToList();
        Assert.Equal(deliveryIds, stored.Select(m => m.Headers!["Nats-Msg-Id"].ToString()).Order().ToList());
        Assert.Equal(Enumerable.Range(0, total).Select(n => TestAlerts.Shell(n).Output).Order(),
            stored.Select(m => Alert(m.Data!).GetProperty("output").GetString()!).Order());
    }

    [SkippableFact]
    public async Task A_subject_no_stream_captures_keeps_its_deliveries_pending_with_the_reason()
    {
        NatsServer.Require();
        await using var host = await DeliveryTestHost.StartAsync(Settings("nowhere.alerts", jetStream: true));

        var id = (await host.EnqueueAsync(TestAlerts.Notification(), "nats")).Single();
        var record = await host.WaitForAsync(id, r => r.Attempts >= 2);

        Assert.Equal(DeliveryState.Pending, record.State);
        Assert.Contains("no stream captures subject 'nowhere.alerts'", record.LastError, StringComparison.Ordinal);
    }

    [Fact]
    public void Settings_are_checked_and_each_failure_names_its_key()
    {
        var failures = DestinationSettings.Failures(new()
        {
            ["FalcoHook:Destinations:a:Type"] = "nats",
            ["FalcoHook:Destinations:b:Type"] = "nats",
            ["FalcoHook:Destinations:b:Url"] = "http://nats.example:4222",
            ["FalcoHook:Destinations:b:Subject"] = "falco.{priority}.{namespace}",
            ["FalcoHook:Destinations:b:Stream"] = "FALCO",
            ["FalcoHook:Destinations:b:User"] = "falco",
            ["FalcoHook:Destinations:c:Type"] = "nats",
            ["FalcoHook:Destinations:c:Url"] = "tls://nats.example:4222",
            ["FalcoHook:Destinations:c:Subject"] = "falco..>",
            ["FalcoHook:Destinations:c:Token"] = "s3cret-token",
            ["FalcoHook:Destinations:c:CredsFile"] = "/nonexistent/falco.creds",
        });

        Assert.Equal([
            "FalcoHook:Destinations:a:Url is required for type nats",
            "FalcoHook:Destinations:a:Subject is required for type nats",
            "FalcoHook:Destinations:b:Url must be nats://, tls://, ws:// or wss:// URLs separated by commas (got 'http://nats.example:4222')",
            "FalcoHook:Destinations:b:Subject has unknown placeholders {namespace} (known: {priority}, {rule}, {source}, {hostname}) (got 'falco.{priority}.{namespace}')",
            "FalcoHook:Destinations:b:Stream needs JetStream: true",
            "FalcoHook:Destinations:b:User and Password go together",
            "FalcoHook:Destinations:c:Subject must not contain spaces, wildcards (* >) or braces other than the placeholders (got 'falco..>')",
            "FalcoHook:Destinations:c:User/Password, Token, CredsFile and NKeyFile exclude each other",
            "FalcoHook:Destinations:c:CredsFile '/nonexistent/falco.creds' does not exist",
        ], failures);
    }

    private static async Task<long> Delivered(DeliveryTestHost host) =>
        (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered);

    private static JsonElement Alert(byte[] data) => JsonDocument.Parse(data).RootElement.Clone();

    private Dictionary<string, string?> Settings(string subject, bool jetStream) => new()
    {
        ["FalcoHook:Destinations:nats:Type"] = "nats",
        ["FalcoHook:Destinations:nats:Url"] = nats.Url,
        ["FalcoHook:Destinations:nats:Subject"] = subject,
        ["FalcoHook:Destinations:nats:JetStream"] = jetStream ? "true" : "false",
        ["FalcoHook:Destinations:nats:BatchLinger"] = "00:00:00.100",
    };
}
