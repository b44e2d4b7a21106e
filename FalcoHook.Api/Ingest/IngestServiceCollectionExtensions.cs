using FalcoHook.Core.Ingest;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Ingest;

public static class IngestServiceCollectionExtensions
{
    /// <summary>Ingest: its options and the endpoints' helpers. The inbox they append to comes with AddInbox.</summary>
    public static IServiceCollection AddIngest(this IServiceCollection services)
    {
        services.AddIngestOptions();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AlertIngest>();
        services.AddSingleton<AuditAuthorization>();
        return services;
    }

    /// <summary>
    /// <c>FalcoHook:Ingest</c>, bound and validated at start-up. The endpoints and the inbox both read it; registering
    /// it from each of their Add calls binds it once (TryAddEnumerable keeps one binder and one validator).
    /// </summary>
    public static IServiceCollection AddIngestOptions(this IServiceCollection services)
    {
        services.AddOptions<IngestOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<IngestOptions>, BindIngestOptions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOptionsChangeTokenSource<IngestOptions>, BindIngestOptions>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IngestOptions>, IngestOptionsValidator>());
        return services;
    }

    /// <summary>Binds the section, and tells <see cref="IOptionsMonitor{TOptions}"/> when it changes.</summary>
    private sealed class BindIngestOptions(IConfiguration configuration) : IConfigureOptions<IngestOptions>, IOptionsChangeTokenSource<IngestOptions>
    {
        public string Name => Options.DefaultName;

        public void Configure(IngestOptions options) => configuration.GetSection(IngestOptions.Section).Bind(options);

        public Microsoft.Extensions.Primitives.IChangeToken GetChangeToken() => configuration.GetSection(IngestOptions.Section).GetReloadToken();
    }
}
