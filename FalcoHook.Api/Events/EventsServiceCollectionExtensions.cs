using System.Diagnostics.Metrics;
using FalcoHook.Core.Events;
using FalcoHook.Core.Events.Postgres;
using FalcoHook.Core.Events.Spool;
using FalcoHook.Core.Events.Sqlite;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Events;

public static class EventsServiceCollectionExtensions
{
    /// <summary>
    /// The alert history, <c>FalcoHook:Events</c>: the store (with <c>FalcoHook:Storage:Provider</c> postgres, tables in
    /// that database, which AddStorage registers; otherwise a SQLite file of its own), <see cref="EventService"/> and the
    /// live <see cref="EventFeed"/> for the API and the UI; when enabled, the pipeline's <see cref="EventRecorder"/> sink and
    /// its <see cref="EventHistoryWriter"/> (the drain's <see cref="IInboxDeleteBarrier"/>; on SQLite it hands the events to the
    /// <see cref="SpooledHistory"/> and its writer process unless <c>WriterProcess</c> is off),
    /// the retention service and, on SQLite, the copy of an older history file's events. Off, the pipeline gets no sink and
    /// tracks no decisions.
    /// </summary>
    public static IServiceCollection AddEvents(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection(EventsOptions.Section);
        services.AddOptions<EventsOptions>().Bind(section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<EventsOptions>, EventsOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System);
        var provider = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>()?.Provider ?? StorageOptions.Sqlite;
        if (StorageOptions.IsPostgres(provider)) services.AddSingleton<IEventStore, PostgresEventStore>();
        else
        {
            services.AddSingleton<SqliteEventDatabase>();
            services.AddSingleton<IEventStore, SqliteEventStore>();
        }
        services.AddSingleton<EventFeed>();
        services.AddSingleton<EventService>();
        if (!(section.Get<EventsOptions>() ?? new EventsOptions()).Enabled) return services;
        if (!StorageOptions.IsPostgres(provider) && (section.Get<EventsOptions>() ?? new EventsOptions()).WriterProcess)
        {
            services.AddSingleton(sp =>
            {
                var file = sp.GetRequiredService<SqliteEventDatabase>().DataSource;
                var spool = HistorySpool.FolderFor(file);
                return new SpooledHistory(new HistorySpool(spool), sp.GetRequiredService<IOptions<EventsOptions>>().Value.MaxSpoolBytes,
                    () => HistoryWriterEntry.StartInfo(spool, file), sp.GetRequiredService<EventFeed>(),
                    sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<SpooledHistory>>(), sp.GetRequiredService<IMeterFactory>());
            });
            services.AddHostedService(sp => sp.GetRequiredService<SpooledHistory>());
            services.AddSingleton<IEventRecordSink>(sp => sp.GetRequiredService<SpooledHistory>());
        }
        else services.AddSingleton<IEventRecordSink>(sp => sp.GetRequiredService<IEventStore>());
        services.AddSingleton<EventHistoryWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<EventHistoryWriter>());
        services.AddSingleton<IInboxDeleteBarrier>(sp => sp.GetRequiredService<EventHistoryWriter>());
        services.AddSingleton<EventRecorder>();
        services.AddSingleton<IAlertDecisionSink>(sp => sp.GetRequiredService<EventRecorder>());
        services.AddSingleton<EventRetentionService>();
        services.AddHostedService(sp => sp.GetRequiredService<EventRetentionService>());
        if (!StorageOptions.IsPostgres(provider)) services.AddHostedService<SqliteEventUpgrade>();
        return services;
    }
}
