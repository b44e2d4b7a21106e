using System.Text.Json;

namespace FalcoHook.Core.Destinations.RocketChat;

/// <summary>
/// <c>Type: rocketchat</c>: posts <see cref="RocketChatPayload"/> through <see cref="JsonPost"/>. A 2xx whose body says
/// <c>"success": false</c> is permanent with Rocket.Chat's error, as is a 4xx but 408/429.
/// </summary>
public sealed class RocketChatSender(JsonPost post, Templates.MessageRenderer renderer) : DestinationSender<RocketChatSettings>
{
    private static readonly JsonPostOptions Answer = new()
    {
        Special = static (status, text) =>
            status is >= 200 and < 300 && SaysFailure(text) ? SendResult.Permanent("rocketchat: " + HttpOutcome.Describe(status, text)) : null,
    };

    protected override async Task<SendResult> SendAsync(DeliveryAttempt attempt, RocketChatSettings settings, CancellationToken cancellationToken)
    {
        var message = await renderer.RenderAsync(attempt.Destination, attempt.Notification, bodyEncoder: RocketChatPayload.Encoder).ConfigureAwait(false);
        return await post.SendAsync(attempt, RocketChatPayload.Build(attempt.Notification, settings, message), cancellationToken, Answer).ConfigureAwait(false);
    }

    private static bool SaysFailure(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object
                   && json.RootElement.TryGetProperty("success", out var success) && success.ValueKind == JsonValueKind.False;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
