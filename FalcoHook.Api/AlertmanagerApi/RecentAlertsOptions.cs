using FalcoHook.Core.Configuration;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.AlertmanagerApi;

/// <summary><c>FalcoHook:Alerts</c>: which alerts <c>/api/v2/alerts</c> shows.</summary>
public sealed class RecentAlertsOptions
{
    public const string Section = "FalcoHook:Alerts";

    /// <summary>An alert is shown until this long after it was last seen (its <c>endsAt</c>). Default 1 hour.</summary>
    public TimeSpan ActiveFor { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Distinct alerts (fingerprints) kept at most; past it the least recently seen are forgotten. Default 10 000.</summary>
    public int MaxAlerts { get; set; } = 10_000;
}

public sealed class RecentAlertsOptionsValidator : IValidateOptions<RecentAlertsOptions>
{
    public ValidateOptionsResult Validate(string? name, RecentAlertsOptions options)
    {
        var failures = new OptionsFailures(RecentAlertsOptions.Section);
        failures.Positive("ActiveFor", options.ActiveFor);
        failures.AtLeast("MaxAlerts", options.MaxAlerts, 1);
        return failures.Result;
    }
}
