using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;

namespace FalcoHook.Core.Destinations.CloudEvents;

/// <summary>
/// <c>Type: cloudevents</c>: one event per delivery. <c>id</c> is the delivery id (the same on every retry, so a
/// receiver can drop a resend), <c>time</c> the alert's, <c>subject</c> the rule, <c>datacontenttype</c>
/// <c>application/json</c> and <c>data</c> the Falco alert as is (for a storm summary, the summary alert). 2xx
/// delivered; 429 and 5xx retried with <c>Retry-After</c>; any other 4xx permanent.
/// </summary>
public sealed class CloudEventsSender(JsonPost post) : DestinationSender<CloudEventsSettings>
{
    private static readonly JsonEventFormatter Formatter = new();

    protected override async Task<SendResult> SendAsync(DeliveryAttempt attempt, CloudEventsSettings settings, CancellationToken cancellationToken)
    {
        var cloudEvent = Event(attempt, settings);
        var mode = settings.Mode.Trim().Equals("structured", StringComparison.OrdinalIgnoreCase) ? ContentMode.Structured : ContentMode.Binary;
        using var content = cloudEvent.ToHttpContent(mode, Formatter);
        return await post.SendAsync(attempt, content, cancellationToken, new JsonPostOptions { Headers = settings.Headers }).ConfigureAwait(false);
    }

    public static CloudEvent Event(DeliveryAttempt attempt, CloudEventsSettings settings)
    {
        var alert = attempt.Notification.Alert;
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0)
        {
            Id = attempt.DeliveryId,
            Source = new Uri(settings.Source.Trim(), UriKind.RelativeOrAbsolute),
            Type = settings.EventType.Trim(),
            Time = alert.Time.ToDateTimeOffset(),
            Subject = alert.Rule,
            DataContentType = "application/json",
            Data = JsonDocument.Parse(alert.ToJsonBytes()).RootElement.Clone(),
        };
        foreach (var (name, value) in settings.Extensions)
            cloudEvent[CloudEventAttribute.CreateExtension(name, CloudEventAttributeType.String)] = value;
        return cloudEvent;
    }
}
