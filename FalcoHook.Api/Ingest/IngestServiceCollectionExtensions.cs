using FalcoHook.Core.Ingest;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Ingest;

public static class IngestServiceCollectionExtensions
{
    /// <summary>Ingest: its options and the endpoints' helpers. The inbox they append to comes with AddInbox.</summary>
    public static IServiceCollection AddIngest(this IServiceCollection services)
    {
        services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<IngestOptions>, IngestOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AlertIngest>();
        services.AddSingleton<AuditAuthorization>();
        return services;
    }
}
