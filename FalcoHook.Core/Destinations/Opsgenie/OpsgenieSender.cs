namespace FalcoHook.Core.Destinations.Opsgenie;

/// <summary>
/// <c>Type: opsgenie</c>: one Create Alert request per delivery with <c>Authorization: GenieKey &lt;key&gt;</c>.
/// Opsgenie answers 202 once it queued the request (it creates the alert, or adds to the open one with the same
/// alias, asynchronously): delivered. 429 and 5xx are retried with <c>Retry-After</c>; any other 4xx (401 bad key,
/// 422 invalid request) is permanent with Opsgenie's message.
/// </summary>
public sealed class OpsgenieSender(JsonPost post) : DestinationSender<OpsgenieSettings>
{
    protected override Task<SendResult> SendAsync(DeliveryAttempt attempt, OpsgenieSettings settings, CancellationToken cancellationToken) =>
        post.SendAsync(attempt, OpsgeniePayload.Build(attempt.Notification, settings), cancellationToken,
            new JsonPostOptions { Headers = [new("Authorization", "GenieKey " + settings.ApiKey)] });
}
