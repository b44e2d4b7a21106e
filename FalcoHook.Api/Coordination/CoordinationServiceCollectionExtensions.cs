using FalcoHook.Core.Coordination;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Rules.Management;
using FalcoHook.Core.Silences;
using FalcoHook.Core.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Coordination;

public static class CoordinationServiceCollectionExtensions
{
    /// <summary>
    /// How replicas work together (<c>FalcoHook:Storage:FailoverTimeout</c>, docs/ARCHITECTURE.md "Several replicas").
    /// On SQLite one process does everything (<see cref="SingleProcessLeadership"/>). On PostgreSQL: leader election
    /// for the drain, the pipeline and the storm flush; the pipeline's state reloaded on taking over; LISTEN/NOTIFY for
    /// rules, silences and deliveries; destination rates across replicas. Call after the storage, rules, silences,
    /// pipeline and delivery registrations, whose stores it wraps.
    /// </summary>
    public static IServiceCollection AddCoordination(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CoordinationOptions>().Bind(configuration.GetSection(CoordinationOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CoordinationOptions>, CoordinationOptionsValidator>();
        var provider = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>()?.Provider ?? StorageOptions.Sqlite;
        if (!StorageOptions.IsPostgres(provider))
        {
            services.TryAddSingleton<ILeadership, SingleProcessLeadership>();
            services.TryAddSingleton<IChangeFeed, LocalChangeFeed>();
            return services;
        }

        services.AddSingleton<PostgresCoordination>();
        services.AddSingleton<ILeaderState>(sp => sp.GetRequiredService<AlertPipeline>());
        services.AddSingleton<PostgresLeadership>();
        services.AddSingleton<ILeadership>(sp => sp.GetRequiredService<PostgresLeadership>());
        services.AddSingleton<PostgresChangeFeed>();
        services.AddSingleton<IChangeFeed>(sp => sp.GetRequiredService<PostgresChangeFeed>());
        services.AddSingleton<IDeliveryRateGate, PostgresRateGate>();
        Decorate<ISilenceStore>(services, (inner, sp) => new ChangePublishingSilenceStore(inner, sp.GetRequiredService<IChangeFeed>()));
        Decorate<IManagedRulesStore>(services, (inner, sp) => new ChangePublishingRulesStore(inner, sp.GetRequiredService<IChangeFeed>()));
        Decorate<IOutboxStore>(services, (inner, sp) => new ChangePublishingOutboxStore(inner, sp.GetRequiredService<IChangeFeed>()));
        services.AddSingleton<ISharedCache, SilenceCacheRefresh>();
        services.AddHostedService<ChangeReactions>();
        services.AddHostedService(sp => sp.GetRequiredService<PostgresChangeFeed>());
        services.AddHostedService(sp => sp.GetRequiredService<PostgresLeadership>());
        return services;
    }

    /// <summary>Wraps the registered <typeparamref name="TService"/> (the last registration) in <paramref name="wrap"/>.</summary>
    private static void Decorate<TService>(IServiceCollection services, Func<TService, IServiceProvider, TService> wrap) where TService : class
    {
        var original = services.LastOrDefault(d => d.ServiceType == typeof(TService) && !d.IsKeyedService);
        if (original is null) return;
        services[services.IndexOf(original)] = ServiceDescriptor.Describe(typeof(TService), sp => wrap(Inner<TService>(original, sp), sp), original.Lifetime);
    }

    private static TService Inner<TService>(ServiceDescriptor original, IServiceProvider services) where TService : class =>
        (TService)(original.ImplementationInstance
                   ?? original.ImplementationFactory?.Invoke(services)
                   ?? ActivatorUtilities.CreateInstance(services, original.ImplementationType!));
}
