using FalcoHook.Core.Pipeline;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.AlertmanagerApi;

public static class AlertmanagerApiServiceCollectionExtensions
{
    /// <summary>
    /// <c>/api/v2</c>'s recent alerts: options <c>FalcoHook:Alerts</c> (validated at start-up), <see cref="RecentAlerts"/>
    /// as an <see cref="IAlertDecisionSink"/> of the pipeline, refilled at start-up from the outbox (<see cref="RecentAlertsRestore"/>).
    /// </summary>
    public static IServiceCollection AddAlertmanagerApi(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<RecentAlertsOptions>().BindConfiguration(RecentAlertsOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RecentAlertsOptions>, RecentAlertsOptionsValidator>();
        services.AddSingleton<RecentAlerts>();
        services.AddSingleton<IAlertDecisionSink>(sp => sp.GetRequiredService<RecentAlerts>());
        services.AddHostedService<RecentAlertsRestore>();
        return services;
    }
}
