using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using FalcoHook.Core.Destinations.PagerDuty;
using FalcoHook.Core.Destinations.Slack;
using FalcoHook.Core.Destinations.Webhook;
using FalcoHook.Core.Silences;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Delivery;

public static class DeliveryServiceCollectionExtensions
{
    /// <summary>
    /// Storage (SQLite: inbox, outbox and silences), the outbox (<see cref="IOutbox"/>), the dispatcher, the
    /// Slack / PagerDuty / webhook senders and one named HttpClient per destination.
    /// </summary>
    public static IServiceCollection AddDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<DeliveryMetrics>();

        services.AddOptions<StorageOptions>().Bind(configuration.GetSection(StorageOptions.Section))
            .Validate(o => o.Provider.Equals("sqlite", StringComparison.OrdinalIgnoreCase), $"{StorageOptions.Section}:Provider must be sqlite (the only provider so far)")
            .Validate(o => !string.IsNullOrWhiteSpace(o.ConnectionString), $"{StorageOptions.Section}:ConnectionString is required")
            .ValidateOnStart();
        services.AddOptions<DeliveryOptions>().Bind(configuration.GetSection(DeliveryOptions.Section))
            .Validate(o => o.MaxAttempts >= 1, $"{DeliveryOptions.Section}:MaxAttempts must be at least 1")
            .Validate(o => o.MaxAge > TimeSpan.Zero, $"{DeliveryOptions.Section}:MaxAge must be positive")
            .Validate(o => o.InitialBackoff > TimeSpan.Zero, $"{DeliveryOptions.Section}:InitialBackoff must be positive")
            .Validate(o => o.MaxBackoff >= o.InitialBackoff, $"{DeliveryOptions.Section}:MaxBackoff must be at least InitialBackoff")
            .Validate(o => o.PollInterval > TimeSpan.Zero, $"{DeliveryOptions.Section}:PollInterval must be positive")
            .Validate(o => o.DeliveredRetention >= TimeSpan.Zero, $"{DeliveryOptions.Section}:DeliveredRetention must not be negative")
            .Validate(o => o.ShutdownGrace >= TimeSpan.Zero, $"{DeliveryOptions.Section}:ShutdownGrace must not be negative")
            .ValidateOnStart();
        var destinations = configuration.GetSection(DestinationsOptions.Section);
        services.AddOptions<DestinationsOptions>().Configure(o => destinations.Bind(o.Items)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DestinationsOptions>, DestinationsOptionsValidator>();

        // Storage
        services.AddSingleton<SqliteDatabase>();
        services.AddSingleton<IInboxStore, SqliteInboxStore>();
        services.AddSingleton<IOutboxStore, SqliteOutboxStore>();
        // Silences live in the same file (survive restarts), unless something other than the in-memory default is registered.
        for (var i = services.Count - 1; i >= 0; i--)
            if (services[i].ServiceType == typeof(ISilenceStore) && services[i].ImplementationType == typeof(InMemorySilenceStore)) services.RemoveAt(i);
        services.TryAddSingleton<ISilenceStore, SqliteSilenceStore>();

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
