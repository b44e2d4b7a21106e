using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Destinations;

/// <summary>
/// Receivers that close the connection after each answer without saying so (HTTP/1.0, no <c>Connection: close</c>):
/// a pooled connection the receiver has closed must not cost a delivery an attempt and a backoff.
/// </summary>
public sealed class ClosingReceiverTests
{
    private const int Alerts = 200;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_alert_to_a_receiver_that_closes_after_each_answer_is_delivered_at_the_first_attempt(bool announcesClose)
    {
        await using var receiver = new ClosingHttp10Receiver(announcesClose);
        await using var host = await DeliveryTestHost.StartAsync(new()
        {
            ["FalcoHook:Destinations:closer:Type"] = "webhook",
            ["FalcoHook:Destinations:closer:Url"] = receiver.Url,
        });

        await host.Outbox.EnqueueAsync(
            Enumerable.Range(0, Alerts).Select(n => new RoutedNotification(TestAlerts.Notification(n), ["closer"])).ToList(),
            CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        DeliveryPage page;
        while ((page = await host.Store.ListAsync(new DeliveryQuery(DeliveryState.Delivered, Limit: Alerts), CancellationToken.None)).Total < Alerts)
        {
            Assert.True(DateTime.UtcNow < deadline, $"{page.Total} of {Alerts} delivered");
            await Task.Delay(20);
        }

        var retried = page.Items.Where(d => d.Attempts > 1).ToList();
        Assert.True(retried.Count == 0,
            $"{retried.Count} of {Alerts} deliveries needed more than one attempt: " +
            host.Logs.Lines.FirstOrDefault(l => l.Contains("failed on attempt", StringComparison.Ordinal)));
        Assert.Equal(Alerts, receiver.DistinctIds);
        Assert.Equal(Alerts, receiver.Requests); // no alert was sent twice
    }

    [Fact]
    public async Task A_refused_connection_is_not_taken_for_a_closed_one()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        using var client = new HttpClient(new ReceiverConnectionHandler());

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => client.PostAsync($"http://127.0.0.1:{port}/", new StringContent("{}")));

        Assert.False(ReceiverConnectionHandler.LostEstablishedConnection(refused), refused.ToString());
    }
}
