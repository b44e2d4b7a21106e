using FalcoHook.Core.Delivery;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Delivery;

public static class DeliveryServiceCollectionExtensions
{
    /// <summary>
    /// Delivery, <c>FalcoHook:Delivery</c>: the outbox (<see cref="IOutbox"/>) and the dispatcher that sends what it
    /// holds. Stores come from AddStorage; the destinations it sends to come from AddDestinations.
    /// </summary>
    public static IServiceCollection AddDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<DeliveryMetrics>();

        services.AddOptions<DeliveryOptions>().Bind(configuration.GetSection(DeliveryOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeliveryOptions>, DeliveryOptionsValidator>();

        // Outbox and dispatcher
        services.AddSingleton<DeliverySignal>();
        services.AddSingleton<DeliveryHandoff>();
        services.AddSingleton<IOutbox, DurableOutbox>();
        services.AddSingleton<DeliveryService>();
        services.AddHostedService<DeliveryDispatcher>();
        services.AddHostedService<StorageGaugeService>();

        return services;
    }
}
