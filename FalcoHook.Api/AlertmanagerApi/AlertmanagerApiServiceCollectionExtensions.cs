using FalcoHook.Core.Events;
using FalcoHook.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.AlertmanagerApi;

public static class AlertmanagerApiServiceCollectionExtensions
{
    /// <summary>
    /// <c>/api/v2</c>'s alerts: options <c>FalcoHook:Alerts</c> (validated at start-up) and <see cref="AlertHistoryAlerts"/>,
    /// which reads the alert history. With the history off (<c>FalcoHook:Events:Enabled=false</c>), the in-memory
    /// <see cref="RecentAlerts"/> instead, as an <see cref="IAlertDecisionSink"/> of the pipeline refilled at start-up from
    /// the outbox (<see cref="RecentAlertsRestore"/>).
    /// </summary>
    public static IServiceCollection AddAlertmanagerApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<RecentAlertsOptions>().BindConfiguration(RecentAlertsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RecentAlertsOptions>, RecentAlertsOptionsValidator>();
        services.AddSingleton<AlertHistoryAlerts>();
        services.AddSingleton<RecentAlerts>();
        if ((configuration.GetSection(EventsOptions.Section).Get<EventsOptions>() ?? new EventsOptions()).Enabled) return services;
        services.AddSingleton<IAlertDecisionSink>(sp => sp.GetRequiredService<RecentAlerts>());
        services.AddHostedService<RecentAlertsRestore>();
        return services;
    }
}
