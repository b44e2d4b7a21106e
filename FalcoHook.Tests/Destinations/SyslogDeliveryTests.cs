using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// <c>Type: syslog</c> into a real rsyslogd started by the test (Debian's package): what rsyslog parsed out of each
/// message is what was meant (facility, severity, host, app name, time, the alert JSON), over TCP with octet counting
/// and over UDP, in RFC 5424 and RFC 3164; and with rsyslog stopped for a while under load and started again, every
/// delivery the outbox counts as delivered is in rsyslog's file.
/// </summary>
public sealed class SyslogDeliveryTests
{
    [SkippableTheory]
    [InlineData("tcp", "rfc5424")]
    [InlineData("tcp", "rfc3164")]
    [InlineData("udp", "rfc5424")]
    public async Task Alerts_arrive_complete_and_parsed_as_sent(string protocol, string format)
    {
        await using var rsyslog = await RsyslogServer.StartAsync();
        await using var host = await DeliveryTestHost.StartAsync(Settings(rsyslog, protocol, format));
        var notifications = new[] { TestAlerts.Notification(1), TestAlerts.Notification(2, Priority.Warning), TestAlerts.StormSummary() };

        await host.Outbox.EnqueueAsync(notifications.Select(n => new RoutedNotification(n, ["syslog"])).ToList(), CancellationToken.None);
        await Eventually.TrueAsync(() => rsyslog.Lines.Count >= 3, "three messages in rsyslog's file", detail: () => string.Join('\n', rsyslog.Lines));

        var lines = rsyslog.Lines.Select(l => l.Split('|', 6)).ToList();
        var critical = lines.Single(l => Alert(l).GetProperty("output").GetString() == notifications[0].Alert.Output && !IsSummary(l));
        Assert.Equal(["local3", "crit", "falco-xczjd", "falco"], critical[..4]);
        var reported = DateTimeOffset.Parse(critical[4], System.Globalization.CultureInfo.InvariantCulture);
        var second = reported.ToUniversalTime().AddTicks(-(reported.Ticks % TimeSpan.TicksPerSecond));
        // RFC 3164 carries no year (the receiver assumes its own) and no fraction; RFC 5424 carries both.
        Assert.Equal(new DateTimeOffset(format == "rfc3164" ? second.Year : 2023, 5, 25, 13, 44, 5, TimeSpan.Zero), second);
        if (format == "rfc5424") Assert.Equal(4784, (int)(reported.Ticks % TimeSpan.TicksPerSecond / 1000));
        Assert.Equal(notifications[0].Alert.ToJson(), critical[5].Trim());
        Assert.Equal("warning", lines.Single(l => Alert(l).GetProperty("output").GetString() == notifications[1].Alert.Output)[1]);
        var summary = lines.Single(IsSummary);
        Assert.Equal(42, Alert(summary).GetProperty("output_fields").GetProperty(SummaryFields.Count).GetInt64());
    }

    [SkippableFact]
    public async Task With_rsyslog_stopped_a_while_under_load_every_delivered_alert_arrives()
    {
        await using var rsyslog = await RsyslogServer.StartAsync();
        await using var host = await DeliveryTestHost.StartAsync(new(Settings(rsyslog, "tcp", "rfc5424")) { ["FalcoHook:Destinations:syslog:BatchSize"] = "25" });
        const int total = 600;

        var producer = Task.Run(async () =>
        {
            for (var start = 0; start < total; start += 20)
            {
                await host.Outbox.EnqueueAsync(Enumerable.Range(start, 20).Select(n => new RoutedNotification(TestAlerts.Notification(n), ["syslog"])).ToList(), CancellationToken.None);
                await Task.Delay(40); // pacing of the load, not a wait for an effect
            }
        });
        await Eventually.TrueAsync(() => rsyslog.Lines.Count >= 100, "100 messages in before the stop");
        await rsyslog.StopAsync();
        await Eventually.TrueAsync(async () => (await host.Store.ListAsync(new DeliveryQuery(DeliveryState.Pending, Limit: 1000), CancellationToken.None)).Items
            .Any(d => d.LastError?.Contains("syslog connection failed", StringComparison.Ordinal) == true), "a send failed while rsyslog is down");
        await rsyslog.StartAgainAsync();
        await producer;

        await Eventually.TrueAsync(async () => (await host.Store.CountByStateAsync(CancellationToken.None)).GetValueOrDefault(DeliveryState.Delivered) == total,
            $"{total} delivered", TimeSpan.FromSeconds(60));
        await Eventually.TrueAsync(() => Received(rsyslog).Count == total, $"{total} distinct alerts in rsyslog's file", TimeSpan.FromSeconds(20),
            () => $"{Received(rsyslog).Count} distinct of {rsyslog.Lines.Count} lines");
        Assert.Equal(Enumerable.Range(0, total).Select(n => TestAlerts.Shell(n).Output).Order(), Received(rsyslog).Order());
    }

    private static HashSet<string> Received(RsyslogServer rsyslog) =>
        rsyslog.Lines.Select(l => Alert(l.Split('|', 6)).GetProperty("output").GetString()!).ToHashSet();

    private static bool IsSummary(string[] line) => Alert(line).GetProperty("output_fields").TryGetProperty(SummaryFields.Count, out _);

    private static JsonElement Alert(string[] line) => JsonDocument.Parse(line[5].Trim()).RootElement.Clone();

    private static Dictionary<string, string?> Settings(RsyslogServer rsyslog, string protocol, string format) => new()
    {
        ["FalcoHook:Destinations:syslog:Type"] = "syslog",
        ["FalcoHook:Destinations:syslog:Host"] = "127.0.0.1",
        ["FalcoHook:Destinations:syslog:Port"] = (protocol == "udp" ? rsyslog.UdpPort : rsyslog.TcpPort).ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["FalcoHook:Destinations:syslog:Protocol"] = protocol,
        ["FalcoHook:Destinations:syslog:Format"] = format,
        ["FalcoHook:Destinations:syslog:Facility"] = "local3",
        ["FalcoHook:Destinations:syslog:BatchLinger"] = "00:00:00.100",
    };
}
