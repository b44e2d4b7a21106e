namespace FalcoHook.Core.Destinations.Mattermost;

/// <summary><c>Type: mattermost</c>: posts <see cref="MattermostPayload"/> through <see cref="JsonPost"/> (200 delivered; 4xx but 408/429 permanent).</summary>
public sealed class MattermostSender(JsonPost post, Templates.MessageRenderer renderer) : DestinationSender<MattermostSettings>
{
    protected override async Task<SendResult> SendAsync(DeliveryAttempt attempt, MattermostSettings settings, CancellationToken cancellationToken)
    {
        var message = await renderer.RenderAsync(attempt.Destination, attempt.Notification, bodyEncoder: MattermostPayload.Encoder).ConfigureAwait(false);
        return await post.SendAsync(attempt, MattermostPayload.Build(attempt.Notification, settings, message), cancellationToken).ConfigureAwait(false);
    }
}
