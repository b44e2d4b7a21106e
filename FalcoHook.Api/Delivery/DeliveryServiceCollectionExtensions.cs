using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Destinations.PagerDuty;
using FalcoHook.Core.Destinations.Slack;
using FalcoHook.Core.Destinations.Webhook;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Delivery;

public static class DeliveryServiceCollectionExtensions
{
    /// <summary>
    /// Delivery, <c>FalcoHook:Delivery</c>: the outbox (<see cref="IOutbox"/>) and the dispatcher that sends what it
    /// holds, the Slack / PagerDuty / webhook senders and one named HttpClient per destination. Stores come from
    /// AddStorage.
    /// </summary>
    public static IServiceCollection AddDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<DeliveryMetrics>();

        services.AddOptions<DeliveryOptions>().Bind(configuration.GetSection(DeliveryOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeliveryOptions>, DeliveryOptionsValidator>();
        var destinations = configuration.GetSection(DestinationsOptions.Section);
        services.AddOptions<DestinationsOptions>().Configure(o => destinations.Bind(o.Items)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DestinationsOptions>, DestinationsOptionsValidator>();

        // Outbox and dispatcher
        services.AddSingleton<DeliverySignal>();
        services.AddSingleton<IOutbox, DurableOutbox>();
        services.AddSingleton<DeliveryService>();
        services.AddHostedService<DeliveryDispatcher>();
        services.AddHostedService<StorageGaugeService>();

        // Destinations: one sender per type, one named HttpClient per destination (its endpoint and timeout).
        services.AddSingleton<DestinationCatalog>();
        services.AddSingleton<DestinationClients>();
        services.AddSingleton<IDestinationSender, SlackSender>();
        services.AddSingleton<IDestinationSender, PagerDutySender>();
        services.AddSingleton<IDestinationSender, WebhookSender>();
        services.AddHttpClient();
        foreach (var destination in destinations.GetChildren())
        {
            var name = destination.Key;
            // No resilience handler: one attempt per send; retries (with Retry-After) live in the outbox.
            services.AddHttpClient(DestinationCatalog.HttpClientName(name)).ConfigureHttpClient((sp, client) =>
            {
                if (!sp.GetRequiredService<DestinationCatalog>().TryGet(name, out var options)) return;
                client.BaseAddress = DestinationCatalog.Endpoint(options);
                client.Timeout = options.Timeout;
            })
            // The factory's default loggers write the full request URL: a Slack webhook's path is its secret.
            .RemoveAllLoggers()
            .AddHttpMessageHandler(sp => new PinnedEndpointHandler(DestinationCatalog.Endpoint(sp.GetRequiredService<DestinationCatalog>().All[name])))
            .AddHttpMessageHandler(() => new AttemptStatusHandler());
        }
        return services;
    }
}
