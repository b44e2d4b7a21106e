using FalcoHook.Core.Delivery;
using FalcoHook.Core.Silences;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Sqlite;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Delivery;

public static class DeliveryServiceCollectionExtensions
{
    /// <summary>
    /// Storage (SQLite: inbox, outbox and silences), the outbox (<see cref="IOutbox"/>) and the dispatcher. The
    /// destinations it sends to come with AddDestinations.
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

        return services;
    }
}
