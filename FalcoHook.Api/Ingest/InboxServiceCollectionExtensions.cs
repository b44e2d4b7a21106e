using FalcoHook.Core.Ingest;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FalcoHook.Api.Ingest;

public static class InboxServiceCollectionExtensions
{
    /// <summary>
    /// The durable inbox (<see cref="IAlertInbox"/>, started as a hosted service), its drain into the
    /// <see cref="IAlertBatchHandler"/>, the dead inbox, and the inbox's metrics. Its <c>IInboxStore</c> comes with storage.
    /// </summary>
    public static IServiceCollection AddInbox(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddIngestOptions();
        services.AddSingleton<InboxMetrics>();
        services.AddSingleton<DurableAlertInbox>();
        services.AddSingleton<IAlertInbox>(sp => sp.GetRequiredService<DurableAlertInbox>());
        // Before the drain: the inbox counts what is left from before, then takes appends.
        services.AddHostedService(sp => sp.GetRequiredService<DurableAlertInbox>());
        services.AddHostedService<InboxDrainService>();
        services.AddHostedService<InboxLagService>();
        services.AddSingleton<DeadInboxService>();
        return services;
    }
}
