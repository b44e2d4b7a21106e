using FalcoHook.Api.Endpoints;
using FalcoHook.Core.Inhibition;
using FalcoHook.Core.Pipeline.State;
using FalcoHook.Core.Rules.Management;
using FalcoHook.Core.Silences;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Storage.Postgres;
using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Core.TimeIntervals;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Storage, <c>FalcoHook:Storage</c>: the one place that picks the provider (<see cref="StorageOptions.Provider"/>)
    /// and registers its stores — inbox, outbox, silences, pipeline state, managed rules, inhibition rules and time intervals — and its readiness check.
    /// </summary>
    public static IServiceCollection AddStorage(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(StorageOptions.Section);
        services.AddOptions<StorageOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>();
        // Any other provider is refused at start by the validator, naming the key.
        var provider = section.Get<StorageOptions>()?.Provider ?? StorageOptions.Sqlite;
        if (StorageOptions.IsSqlite(provider)) services.AddSqlite();
        else if (StorageOptions.IsPostgres(provider)) services.AddPostgres();
        return services;
    }

    private static void AddPostgres(this IServiceCollection services)
    {
        services.AddOptions<DeliveryLeaseOptions>().BindConfiguration("FalcoHook:Delivery").ValidateOnStart();
        services.AddSingleton<IValidateOptions<DeliveryLeaseOptions>, DeliveryLeaseOptionsValidator>();
        services.AddSingleton<PostgresDatabase>();
        services.AddSingleton<IInboxStore, PostgresInboxStore>();
        services.AddSingleton<IOutboxStore, PostgresOutboxStore>();
        services.AddSingleton<PostgresSilenceStore>();
        services.AddSingleton<ISilenceStore>(sp => sp.GetRequiredService<PostgresSilenceStore>());
        services.AddSingleton<IPipelineStateStore, PostgresPipelineStateStore>();
        services.AddSingleton<IManagedRulesStore, PostgresRulesStore>();
        services.AddSingleton<PostgresAlertManagementStore>();
        services.AddSingleton<IInhibitRuleStore>(sp => sp.GetRequiredService<PostgresAlertManagementStore>());
        services.AddSingleton<ITimeIntervalStore>(sp => sp.GetRequiredService<PostgresAlertManagementStore>());
        services.AddHealthChecks().AddCheck<PostgresHealthCheck>("storage", tags: [HealthApi.ReadyTag]);
    }

    private static void AddSqlite(this IServiceCollection services)
    {
        services.AddSingleton<SqliteDatabase>();
        services.AddSingleton<IInboxStore, SqliteInboxStore>();
        services.AddSingleton<IOutboxStore, SqliteOutboxStore>();
        services.AddSingleton<ISilenceStore, SqliteSilenceStore>();
        services.AddSingleton<IPipelineStateStore, SqlitePipelineStateStore>();
        services.AddSingleton<IManagedRulesStore, SqliteRulesStore>();
        services.AddSingleton<SqliteAlertManagementStore>();
        services.AddSingleton<IInhibitRuleStore>(sp => sp.GetRequiredService<SqliteAlertManagementStore>());
        services.AddSingleton<ITimeIntervalStore>(sp => sp.GetRequiredService<SqliteAlertManagementStore>());
        services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage", tags: [HealthApi.ReadyTag]);
    }
}
