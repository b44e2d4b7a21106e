using FalcoHook.Core.Ingest;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FalcoHook.Api.Ingest;

public static class IngestServiceCollectionExtensions
{
    /// <summary>Ingest: its options and the endpoints' helpers. The inbox they append to comes with AddInbox.</summary>
    public static IServiceCollection AddIngest(this IServiceCollection services)
    {
        services.AddOptions<IngestOptions>()
            .BindConfiguration(IngestOptions.Section)
            .Validate(o => o.MaxBodyBytes > 0, $"{IngestOptions.Section}:MaxBodyBytes must be positive.")
            .Validate(o => o.AuditMaxBodyBytes > 0, $"{IngestOptions.Section}:AuditMaxBodyBytes must be positive.")
            .Validate(o => o.RetryAfterSeconds > 0, $"{IngestOptions.Section}:RetryAfterSeconds must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AlertIngest>();
        services.AddSingleton<AuditAuthorization>();
        return services;
    }
}
