using FalcoHook.Core.Ingest;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FalcoHook.Api.Ingest;

public static class IngestServiceCollectionExtensions
{
    /// <summary>Ingest: options, the bounded in-memory inbox and its drain.</summary>
    public static IServiceCollection AddIngest(this IServiceCollection services)
    {
        services.AddOptions<IngestOptions>()
            .BindConfiguration(IngestOptions.Section)
            .Validate(o => o.MaxBodyBytes > 0, $"{IngestOptions.Section}:MaxBodyBytes must be positive.")
            .Validate(o => o.AuditMaxBodyBytes > 0, $"{IngestOptions.Section}:AuditMaxBodyBytes must be positive.")
            .Validate(o => o.QueueCapacity > 0, $"{IngestOptions.Section}:QueueCapacity must be positive.")
            .Validate(o => o.RetryAfterSeconds > 0, $"{IngestOptions.Section}:RetryAfterSeconds must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<BoundedAlertInbox>();
        services.AddSingleton<IAlertInbox>(sp => sp.GetRequiredService<BoundedAlertInbox>());
        services.AddHostedService<InboxDrainService>();
        services.TryAddSingleton<RecordingBatchHandler>();
        services.TryAddSingleton<IAlertBatchHandler>(sp => sp.GetRequiredService<RecordingBatchHandler>());
        services.AddSingleton<AlertIngest>();
        services.AddSingleton<AuditAuthorization>();
        return services;
    }
}
