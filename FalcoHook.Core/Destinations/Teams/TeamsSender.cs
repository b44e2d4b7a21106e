namespace FalcoHook.Core.Destinations.Teams;

/// <summary><c>Type: teams</c>: posts <see cref="TeamsPayload"/> through <see cref="JsonPost"/> (2xx, usually 202, delivered; 4xx but 408/429 permanent).</summary>
public sealed class TeamsSender(JsonPost post, Templates.MessageRenderer renderer) : DestinationSender<TeamsSettings>
{
    protected override async Task<SendResult> SendAsync(DeliveryAttempt attempt, TeamsSettings settings, CancellationToken cancellationToken)
    {
        var message = await renderer.RenderAsync(attempt.Destination, attempt.Notification, TeamsPayload.Encoder, TeamsPayload.Encoder).ConfigureAwait(false);
        return await post.SendAsync(attempt, TeamsPayload.Build(attempt.Notification, message), cancellationToken).ConfigureAwait(false);
    }
}
