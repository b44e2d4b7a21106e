namespace FalcoHook.Core.Destinations.GrafanaOnCall;

/// <summary>
/// <c>Type: grafanaoncall</c>: one POST per delivery. 2xx delivered; 429 and 5xx retried with <c>Retry-After</c>;
/// any other 4xx (404: the integration was deleted) is permanent.
/// </summary>
public sealed class GrafanaOnCallSender(JsonPost post) : DestinationSender<GrafanaOnCallSettings>
{
    protected override Task<SendResult> SendAsync(DeliveryAttempt attempt, GrafanaOnCallSettings settings, CancellationToken cancellationToken) =>
        post.SendAsync(attempt, GrafanaOnCallPayload.Build(attempt.Notification), cancellationToken, new JsonPostOptions { Headers = settings.Headers });
}
