using System.Text.Json;

namespace FalcoHook.Core.Destinations.Telegram;

/// <summary>
/// <c>Type: telegram</c>: posts <see cref="TelegramPayload"/> through <see cref="JsonPost"/>. A 429 waits for the
/// answer's <c>parameters.retry_after</c> (or <c>Retry-After</c>); a 2xx saying <c>"ok": false</c> or a 4xx but
/// 408/429 is permanent with Telegram's description (the token masked).
/// </summary>
public sealed class TelegramSender(JsonPost post, Templates.MessageRenderer renderer) : DestinationSender<TelegramSettings>
{
    private static readonly JsonPostOptions Answer = new()
    {
        RetryAfterInBody = RetryAfterInBody,
        Special = static (status, text) =>
            status is >= 200 and < 300 && Ok(text) == false ? SendResult.Permanent("telegram: " + HttpOutcome.Describe(status, text)) : null,
    };

    protected override async Task<SendResult> SendAsync(DeliveryAttempt attempt, TelegramSettings settings, CancellationToken cancellationToken)
    {
        var message = await renderer.RenderAsync(attempt.Destination, attempt.Notification, TelegramPayload.Encoder, TelegramPayload.Encoder).ConfigureAwait(false);
        return await post.SendAsync(attempt, TelegramPayload.Build(attempt.Notification, settings, message), cancellationToken, Answer).ConfigureAwait(false);
    }

    /// <summary><c>parameters.retry_after</c> (seconds) of a Bot API error answer.</summary>
    public static TimeSpan? RetryAfterInBody(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object
                   && json.RootElement.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object
                   && parameters.TryGetProperty("retry_after", out var value) && value.TryGetInt32(out var seconds) && seconds is >= 0 and < 86_400
                ? TimeSpan.FromSeconds(seconds)
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool? Ok(string body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            return json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("ok", out var ok)
                ? ok.ValueKind == JsonValueKind.True
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
