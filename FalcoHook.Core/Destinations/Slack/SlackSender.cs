namespace FalcoHook.Core.Destinations.Slack;

/// <summary>
/// <c>Type: slack</c>: posts <see cref="SlackPayload"/> to the incoming webhook. Success is 200 with body
/// <c>ok</c>; another 200 body or a 4xx (but 429) is permanent and carries Slack's error string
/// (<c>invalid_payload</c>, <c>channel_not_found</c>…); 429 and 5xx are retried with <c>Retry-After</c>.
/// </summary>
public sealed class SlackSender(JsonPost post, Templates.MessageRenderer renderer) : DestinationSender<SlackSettings>
{
    private static readonly JsonPostOptions Answer = new()
    {
        Special = static (status, text) =>
            status == 200 && text.Trim() != "ok" ? SendResult.Permanent("slack: " + HttpOutcome.Describe(status, text)) : null,
    };

    protected override async Task<SendResult> SendAsync(DeliveryAttempt attempt, SlackSettings settings, CancellationToken cancellationToken)
    {
        var message = await renderer.RenderAsync(attempt.Destination, attempt.Notification, bodyEncoder: SlackPayload.Encoder).ConfigureAwait(false);
        return await post.SendAsync(attempt, SlackPayload.Build(attempt.Notification, settings, message), cancellationToken, Answer).ConfigureAwait(false);
    }
}
