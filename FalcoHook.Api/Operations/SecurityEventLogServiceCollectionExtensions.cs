using FalcoHook.Core.Ingest;
using FalcoHook.Core.Telemetry;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace FalcoHook.Api.Operations;

public static partial class SecurityEventLogServiceCollectionExtensions
{
    /// <summary>
    /// Wraps the <see cref="IAlertBatchHandler"/> registered last (the one the inbox's drain resolves) in a
    /// <see cref="SecurityEventLoggingHandler"/>: its descriptor is replaced in place by one of the same lifetime
    /// that builds the original (instance, factory or type) and decorates it. A handler registered after this call
    /// is not wrapped (a warning says so at start-up); calling it again wraps the new one, and does nothing when
    /// the last handler is already wrapped.
    /// </summary>
    public static IServiceCollection DecorateAlertBatchHandlerWithSecurityLog(this IServiceCollection services)
    {
        services.TryAddSingleton<SecurityEventLog>();
        var index = -1;
        for (var i = services.Count - 1; i >= 0 && index < 0; i--)
            if (services[i].ServiceType == typeof(IAlertBatchHandler) && !services[i].IsKeyedService) index = i;
        if (index < 0)
            throw new InvalidOperationException(
                "No IAlertBatchHandler is registered to log security events for: call AddOperations after AddIngest and the pipeline.");

        var original = services[index];
        if (services.Any(d => d.ServiceType == typeof(Decoration) && ((Decoration)d.ImplementationInstance!).Descriptor == original))
            return services;

        var decorated = ServiceDescriptor.Describe(typeof(IAlertBatchHandler),
            sp => new SecurityEventLoggingHandler(CreateInner(sp, original), sp.GetRequiredService<SecurityEventLog>()),
            original.Lifetime);
        services[index] = decorated;
        services.AddSingleton(new Decoration(decorated));
        if (!services.Any(d => d.ImplementationType == typeof(SecurityEventLogCheck)))
            services.AddHostedService<SecurityEventLogCheck>();
        return services;
    }

    private static IAlertBatchHandler CreateInner(IServiceProvider services, ServiceDescriptor original) =>
        (IAlertBatchHandler)(original.ImplementationInstance
            ?? original.ImplementationFactory?.Invoke(services)
            ?? ActivatorUtilities.GetServiceOrCreateInstance(services, original.ImplementationType!));

    /// <summary>Remembers which descriptor is the decorated one, so decorating is idempotent.</summary>
    private sealed record Decoration(ServiceDescriptor Descriptor);

    /// <summary>Warns at start-up when the handler the drain gets is not the logging decorator.</summary>
    private sealed partial class SecurityEventLogCheck(IServiceProvider services, ILogger<SecurityEventLogCheck> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var handler = services.GetService<IAlertBatchHandler>();
            if (handler is not null and not SecurityEventLoggingHandler) LogNotDecorated(logger, handler.GetType().Name);
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        [LoggerMessage(Level = LogLevel.Warning,
            Message = "Alerts are not written to the security event log: the alert handler {Handler} was registered after AddOperations")]
        private static partial void LogNotDecorated(ILogger logger, string handler);
    }
}
