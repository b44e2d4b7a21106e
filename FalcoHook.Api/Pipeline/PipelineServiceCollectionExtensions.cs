using FalcoHook.Core.Configuration;
using FalcoHook.Core.Coordination;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Inhibition;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Pipeline.State;
using FalcoHook.Core.Silences;
using FalcoHook.Core.Telemetry;
using FalcoHook.Core.TimeIntervals;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Pipeline;

public static class PipelineServiceCollectionExtensions
{
    /// <summary>
    /// The alert pipeline: options <c>FalcoHook:Pipeline</c> and the routing view of <c>FalcoHook:Destinations</c>
    /// (both validated at start-up), <see cref="AlertPipeline"/>, the handler chain the inbox's drain calls
    /// (<see cref="IAlertBatchHandler"/>), and the storm-summary flush timer. Needs an <see cref="IOutbox"/> and an
    /// <see cref="ISilenceStore"/>; uses the <see cref="IPipelineStateStore"/> when storage registers one (dedup and
    /// aggregation state in memory otherwise). Without the rules engine's <see cref="IAlertConditionCompiler"/>, any
    /// configured condition fails start-up with a clear message.
    /// </summary>
    public static IServiceCollection AddPipeline(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.TryAddSingleton<IAlertConditionCompiler, UnavailableConditionCompiler>();

        services.AddOptions<PipelineOptions>().Bind(configuration.GetSection(PipelineOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PipelineOptions>, PipelineOptionsValidator>();
        services.AddOptions<DestinationRoutingOptions>().Bind(configuration.GetSection(FalcoHookOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DestinationRoutingOptions>, DestinationRoutingOptionsValidator>();
        services.AddOptions<TimeIntervalsOptions>().Bind(configuration.GetSection(FalcoHookOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TimeIntervalsOptions>, TimeIntervalsOptionsValidator>();
        services.AddSingleton<IValidateOptions<DestinationRoutingOptions>, TimeIntervalReferencesValidator>();
        services.TryAddSingleton(sp => TimeIntervalSet.Compile(sp.GetRequiredService<IOptions<TimeIntervalsOptions>>().Value));
        // Inhibition rules and time intervals of configuration, and those put through the API when storage keeps them.
        services.TryAddSingleton(sp => new TimeIntervalCatalog(sp.GetRequiredService<IOptions<TimeIntervalsOptions>>().Value,
            sp.GetRequiredService<TimeIntervalSet>(), sp.GetService<ITimeIntervalStore>(), sp.GetService<IChangeFeed>()));
        services.TryAddSingleton(sp => new InhibitRuleCatalog(sp.GetRequiredService<IOptions<PipelineOptions>>().Value.Inhibit,
            sp.GetService<IInhibitRuleStore>(), sp.GetService<IChangeFeed>()));
        services.AddSingleton<ISharedCache>(sp => sp.GetRequiredService<TimeIntervalCatalog>());
        services.AddSingleton<ISharedCache>(sp => sp.GetRequiredService<InhibitRuleCatalog>());

        services.TryAddSingleton<PipelineTelemetry>();
        services.AddOptions<SecurityEventLogOptions>().Bind(configuration.GetSection(SecurityEventLogOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SecurityEventLogOptions>, SecurityEventLogOptionsValidator>();
        services.TryAddSingleton<ISecurityEventOutput>(sp =>
            sp.GetRequiredService<IOptions<SecurityEventLogOptions>>().Value.OutputKind == SecurityEventOutput.Log
                ? new LoggerSecurityEventOutput(sp.GetRequiredService<ILoggerFactory>())
                : JsonLinesSecurityEventOutput.StandardOutput());
        services.TryAddSingleton(sp => new SecurityEventLog(sp.GetRequiredService<ILoggerFactory>(),
            sp.GetRequiredService<ISecurityEventOutput>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<FalcoHookTelemetry>()));
        services.AddSingleton(sp => AlertPipeline.Create(
            sp.GetRequiredService<IOptions<PipelineOptions>>().Value,
            sp.GetRequiredService<IOptions<DestinationRoutingOptions>>().Value.Destinations,
            sp.GetRequiredService<IAlertConditionCompiler>(),
            sp.GetRequiredService<ISilenceStore>(),
            sp.GetRequiredService<IOutbox>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<PipelineTelemetry>(),
            sp.GetService<IPipelineStateStore>(),
            sp.GetServices<IAlertDecisionSink>(),
            sp.GetRequiredService<TimeIntervalSet>(),
            sp.GetRequiredService<InhibitRuleCatalog>()));
        // The chain the inbox's drain calls: every alert to the security event log (unless its output is none), the
        // batch to the pipeline, then to each IAlertBatchObserver.
        services.AddSingleton<IAlertBatchHandler>(sp =>
        {
            IAlertBatchHandler pipeline = sp.GetRequiredService<AlertPipeline>();
            if (sp.GetRequiredService<IOptions<SecurityEventLogOptions>>().Value.OutputKind != SecurityEventOutput.None)
                pipeline = new SecurityEventLoggingHandler(pipeline, sp.GetRequiredService<SecurityEventLog>());
            return new ObservedBatchHandler(pipeline, sp.GetServices<IAlertBatchObserver>());
        });
        services.AddHostedService<AggregateFlushService>();
        return services;
    }
}
