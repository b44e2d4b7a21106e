using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using FalcoHook.Core.Delivery;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Delivery;

public sealed class DeliveryMetricsTests
{
    [Fact]
    public async Task Attempts_are_counted_by_destination_and_outcome()
    {
        var destination = "metrics-" + Guid.NewGuid().ToString("N")[..8];
        var seen = new ConcurrentQueue<(string Outcome, long Value)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == DeliveryMetrics.MeterName && instrument.Name == "falcohook.delivery.attempts") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? dest = null, outcome = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "destination") dest = tag.Value as string;
                if (tag.Key == "outcome") outcome = tag.Value as string;
            }
            if (dest == destination) seen.Enqueue((outcome!, value));
        });
        listener.Start();
        await using var receiver = await FakeReceiver.StartAsync();
        receiver.Script(new FakeResponse(503));
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            [$"FalcoHook:Destinations:{destination}:Type"] = "webhook",
            [$"FalcoHook:Destinations:{destination}:Url"] = receiver.Url("/hook"),
        });

        var id = (await host.EnqueueAsync(TestAlerts.Notification(1), destination)).Single();
        await host.WaitForStateAsync(id, DeliveryState.Delivered);
        await Eventually.TrueAsync(() => seen.Count >= 2, "two measurements");

        Assert.Equal([("retry", 1L), ("delivered", 1L)], seen.ToArray());
    }
}
