using FalcoHook.Api.Endpoints;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Pipeline.State;
using FalcoHook.Core.Silences;
using FalcoHook.Core.Storage.Sqlite;
using FluentValidation;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Pipeline;

public static class PipelineServiceCollectionExtensions
{
    /// <summary>
    /// The alert pipeline: options <c>FalcoHook:Pipeline</c> and the routing view of <c>FalcoHook:Destinations</c>
    /// (both validated at start-up), <see cref="AlertPipeline"/> as the <see cref="IAlertBatchHandler"/>, the
    /// storm-summary flush timer, and silences (in-memory <see cref="ISilenceStore"/> unless one is registered,
    /// and the request validator). Needs an <see cref="IOutbox"/>, and an <see cref="IAlertConditionCompiler"/>
    /// (until the rules engine registers one, any configured condition fails start-up with a clear message).
    /// Dedup and aggregation state is durable in the SQLite file when storage is registered (an
    /// <see cref="IPipelineStateStore"/> registered explicitly wins), in memory otherwise.
    /// </summary>
    public static IServiceCollection AddAlertPipeline(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<IAlertConditionCompiler, UnavailableConditionCompiler>();

        services.AddOptions<PipelineOptions>().Bind(configuration.GetSection(PipelineOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PipelineOptions>, PipelineOptionsValidator>();
        services.AddOptions<DestinationRoutingOptions>().Bind(configuration.GetSection("FalcoHook")).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DestinationRoutingOptions>, DestinationRoutingOptionsValidator>();

        services.TryAddSingleton<ISilenceStore, InMemorySilenceStore>();
        services.AddSingleton<IValidator<CreateSilenceRequest>, CreateSilenceRequestValidator>();

        services.TryAddSingleton<PipelineTelemetry>();
        services.AddSingleton(sp => AlertPipeline.Create(
            sp.GetRequiredService<IOptions<PipelineOptions>>().Value,
            sp.GetRequiredService<IOptions<DestinationRoutingOptions>>().Value.Destinations,
            sp.GetRequiredService<IAlertConditionCompiler>(),
            sp.GetRequiredService<ISilenceStore>(),
            sp.GetRequiredService<IOutbox>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<PipelineTelemetry>(),
            sp.GetService<IPipelineStateStore>() ?? (sp.GetService<SqliteDatabase>() is { } database ? new SqlitePipelineStateStore(database) : null)));
        services.AddSingleton<IAlertBatchHandler>(sp => sp.GetRequiredService<AlertPipeline>());
        services.AddHostedService<AggregateFlushService>();
        return services;
    }
}
