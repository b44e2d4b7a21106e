namespace FalcoHook.Core.Destinations.GoogleChat;

/// <summary>
/// <c>Type: googlechat</c>: posts <see cref="GoogleChatPayload"/> through <see cref="JsonPost"/> (200 delivered; 429 waits
/// for <c>Retry-After</c>; 4xx but 408/429 permanent with Google's error). Values a template writes into the body are
/// escaped for the card's HTML subset; the card's header and a text message take text as it is.
/// </summary>
public sealed class GoogleChatSender(JsonPost post, Templates.MessageRenderer renderer) : DestinationSender<GoogleChatSettings>
{
    protected override async Task<SendResult> SendAsync(DeliveryAttempt attempt, GoogleChatSettings settings, CancellationToken cancellationToken)
    {
        var encoder = settings.Format == GoogleChatFormat.Card ? GoogleChatPayload.CardEncoder : null;
        var message = await renderer.RenderAsync(attempt.Destination, attempt.Notification, bodyEncoder: encoder).ConfigureAwait(false);
        return await post.SendAsync(attempt, GoogleChatPayload.Build(attempt, settings, message), cancellationToken).ConfigureAwait(false);
    }
}
