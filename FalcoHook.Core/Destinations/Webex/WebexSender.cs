namespace FalcoHook.Core.Destinations.Webex;

/// <summary>
/// <c>Type: webex</c>: posts <see cref="WebexPayload"/> through <see cref="JsonPost"/>, with the bot's token as a bearer
/// token (200 delivered; 429 waits for <c>Retry-After</c>; 4xx but 408/429 permanent with Webex's error).
/// </summary>
public sealed class WebexSender(JsonPost post, Templates.MessageRenderer renderer) : DestinationSender<WebexSettings>
{
    protected override async Task<SendResult> SendAsync(DeliveryAttempt attempt, WebexSettings settings, CancellationToken cancellationToken)
    {
        var message = await renderer.RenderAsync(attempt.Destination, attempt.Notification, WebexPayload.Encoder, WebexPayload.Encoder).ConfigureAwait(false);
        var card = settings.Card
            ? await renderer.RenderAsync(attempt.Destination, attempt.Notification, WebexPayload.CardEncoder, WebexPayload.CardEncoder).ConfigureAwait(false)
            : null;
        var options = string.IsNullOrEmpty(settings.Token) ? null : new JsonPostOptions { BearerToken = settings.Token };
        return await post.SendAsync(attempt, WebexPayload.Build(attempt.Notification, settings, message, card), cancellationToken, options).ConfigureAwait(false);
    }
}
