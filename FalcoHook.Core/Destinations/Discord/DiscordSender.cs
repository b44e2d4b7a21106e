using System.Text.Json;

namespace FalcoHook.Core.Destinations.Discord;

/// <summary>
/// <c>Type: discord</c>: posts <see cref="DiscordPayload"/> to the webhook. 2xx (204 No Content) is delivered; a
/// 429 is retried no sooner than Discord says (the <c>Retry-After</c> header or the body's <c>retry_after</c>
/// seconds, whichever is later); 5xx retried; any other 4xx is permanent with Discord's error body.
/// </summary>
public sealed class DiscordSender(JsonPost post, Templates.MessageRenderer renderer) : DestinationSender<DiscordSettings>
{
    private static readonly JsonPostOptions Answer = new() { RetryAfterInBody = RetryAfterInBody };

    protected override async Task<SendResult> SendAsync(DeliveryAttempt attempt, DiscordSettings settings, CancellationToken cancellationToken)
    {
        var message = await renderer.RenderAsync(attempt.Destination, attempt.Notification, bodyEncoder: DiscordPayload.Encoder).ConfigureAwait(false);
        return await post.SendAsync(attempt, DiscordPayload.Build(attempt.Notification, settings, message), cancellationToken, Answer).ConfigureAwait(false);
    }

    /// <summary>The <c>retry_after</c> seconds of Discord's rate-limit answer (<c>{"message", "retry_after", "global"}</c>).</summary>
    public static TimeSpan? RetryAfterInBody(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object
                   && json.RootElement.TryGetProperty("retry_after", out var value)
                   && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var seconds) && seconds is >= 0 and < 86_400
                ? TimeSpan.FromSeconds(seconds)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
