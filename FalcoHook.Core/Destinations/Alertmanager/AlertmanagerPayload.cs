using System.Globalization;
using System.Text.Json.Nodes;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Destinations.Alertmanager;

/// <summary>
/// A <c>postableAlerts</c> array of one alert: labels from <see cref="AlertLabels"/> (plus <c>ExtraLabels</c>),
/// annotations <c>summary</c> (the rule), <c>description</c> and <c>info</c> (the output; a storm summary's count in
/// the description), <c>startsAt</c> the alert's time and <c>endsAt</c> that + <c>ExpiresAfter</c>.
/// </summary>
public static class AlertmanagerPayload
{
    public static JsonArray Build(Notification notification, AlertmanagerSettings settings)
    {
        var alert = notification.Alert;
        var labels = new JsonObject();
        foreach (var (name, value) in settings.ExtraLabels) labels[name] = value;
        // Prometheus treats an empty label value as an absent label; Alertmanager would keep it as a distinct set.
        foreach (var (name, value) in AlertLabels.From(alert))
            if (value.Length > 0) labels[name] = value;
        var annotations = new JsonObject();
        foreach (var (name, value) in settings.ExtraAnnotations) annotations[name] = value;
        annotations["summary"] = alert.Rule;
        annotations["description"] = notification.Digest is { } d
            ? $"{d.Count} alerts from {d.FirstSeen} to {d.LastSeen}; first: {d.FirstOutput}"
            : alert.Output;
        annotations["info"] = alert.Output;
        var starts = alert.Time.ToDateTimeOffset();
        return
        [
            new JsonObject
            {
                ["labels"] = labels,
                ["annotations"] = annotations,
                ["startsAt"] = starts.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
                ["endsAt"] = starts.Add(settings.ExpiresAfter).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture),
            },
        ];
    }
}
