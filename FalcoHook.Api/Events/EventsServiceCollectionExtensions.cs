using FalcoHook.Core.Events;
using FalcoHook.Core.Events.Sqlite;
using FalcoHook.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Events;

public static class EventsServiceCollectionExtensions
{
    /// <summary>
    /// The alert history, <c>FalcoHook:Events</c>: the store (its own SQLite file), <see cref="EventService"/> and the
    /// live <see cref="EventFeed"/> for the API and the UI; when enabled, the pipeline's <see cref="EventRecorder"/> sink
    /// and the retention service. Off, the pipeline gets no sink and tracks no decisions.
    /// </summary>
    public static IServiceCollection AddEvents(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(EventsOptions.Section);
        services.AddOptions<EventsOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EventsOptions>, EventsOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<SqliteEventDatabase>();
        services.AddSingleton<IEventStore, SqliteEventStore>();
        services.AddSingleton<EventFeed>();
        services.AddSingleton<EventService>();
        if (!(section.Get<EventsOptions>() ?? new EventsOptions()).Enabled) return services;
        services.AddSingleton<EventRecorder>();
        services.AddSingleton<IAlertDecisionSink>(sp => sp.GetRequiredService<EventRecorder>());
        services.AddSingleton<EventRetentionService>();
        services.AddHostedService(sp => sp.GetRequiredService<EventRetentionService>());
        return services;
    }
}
