using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.Destinations.Alertmanager;

/// <summary>
/// <c>Type: alertmanager</c>, Prometheus Alertmanager's API v2 <c>POST /api/v2/alerts</c> (an array of
/// <c>postableAlert</c>; https://prometheus.io/docs/alerting/latest/clients/ and Alertmanager's
/// <c>api/v2/openapi.yaml</c>): at least one of <c>Urls</c> / <c>Url</c>, each sent every alert. Labels are
/// <see cref="AlertLabels"/>, Falcosidekick's set, so routes and silences written for it keep matching.
/// </summary>
public sealed class AlertmanagerDestination : DestinationType<AlertmanagerSettings, AlertmanagerSender>
{
    public override string Name => "alertmanager";

    public override IEnumerable<string> Validate(AlertmanagerSettings settings, string at)
    {
        if (!settings.AllUrls().Any()) yield return $"{at}:Urls needs at least one Alertmanager URL for type alertmanager";
        for (var i = 0; i < settings.Urls.Count; i++)
            foreach (var error in CheckUrl(settings.Urls[i], at, required: true, key: $"Urls:{i}")) yield return error;
        foreach (var error in CheckUrl(settings.Url, at, required: false)) yield return error;
        if (settings.ExpiresAfter <= TimeSpan.Zero) yield return $"{at}:ExpiresAfter must be positive";
        foreach (var name in settings.ExtraLabels.Keys)
            if (AlertLabels.SafeName(name) != name) yield return $"{at}:ExtraLabels:{name} is not a valid label name ([a-zA-Z_][a-zA-Z0-9_]*)";
    }

    /// <summary>None: the sender addresses each Alertmanager itself.</summary>
    public override Uri? Endpoint(AlertmanagerSettings settings) => null;

    public override IEnumerable<string> Secrets(AlertmanagerSettings settings)
    {
        foreach (var url in settings.AllUrls())
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0)
            {
                yield return uri.UserInfo;
                if (uri.UserInfo.Split(':', 2) is [_, var password]) yield return Uri.UnescapeDataString(password);
            }
        foreach (var value in settings.Headers.Values)
            if (!string.IsNullOrEmpty(value)) yield return value;
    }
}
