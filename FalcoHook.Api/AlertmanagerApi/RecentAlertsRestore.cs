using FalcoHook.Core.Delivery;
using FalcoHook.Core.Storage;

namespace FalcoHook.Api.AlertmanagerApi;

/// <summary>
/// At start-up, refills <see cref="RecentAlerts"/> from the outbox: every delivery created within
/// <see cref="RecentAlerts.ActiveFor"/> (newest first, at most <see cref="RecentAlertsOptions.MaxAlerts"/> pages' worth)
/// is a routed alert with its destination as receiver. Silenced, inhibited, muted and unrouted alerts made no delivery,
/// so they are not restored; neither are deliveries already purged. Without storage there is nothing to restore.
/// </summary>
public sealed partial class RecentAlertsRestore(RecentAlerts alerts, IServiceProvider services, TimeProvider time,
    Microsoft.Extensions.Options.IOptions<RecentAlertsOptions> options, ILogger<RecentAlertsRestore> logger) : IHostedService
{
    private const int PageSize = 500;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (services.GetService<IOutboxStore>() is not { } outbox) return; // no storage: nothing to restore from
        var since = time.GetUtcNow() - alerts.ActiveFor;
        var restored = 0;
        var done = false;
        for (var offset = 0; !done && offset < options.Value.MaxAlerts * 4; offset += PageSize)
        {
            var page = await outbox.ListAsync(new DeliveryQuery(Offset: offset, Limit: PageSize), cancellationToken);
            foreach (var delivery in page.Items)
            {
                if (delivery.Created <= since)
                {
                    done = true;
                    break;
                }
                var notification = NotificationJson.Deserialize(delivery.NotificationJson);
                if (notification.Digest is not null) continue;
                alerts.Restore(notification, delivery.Destination, delivery.Created);
                restored++;
            }
            if (page.Items.Count < PageSize) done = true;
        }
        if (restored > 0) LogRestored(restored);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored {Count} recent deliveries into /api/v2/alerts.")]
    private partial void LogRestored(int count);
}
