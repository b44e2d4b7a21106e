using System.Net.Http.Headers;
using System.Text.Json;

namespace FalcoHook.Core.Destinations.Discord;

/// <summary>
/// <c>Type: discord</c>: posts <see cref="DiscordPayload"/> to the webhook. 2xx (204 No Content) is delivered; a
/// 429 is retried no sooner than Discord says (the <c>Retry-After</c> header or the body's <c>retry_after</c>
/// seconds, whichever is later); 5xx retried; any other 4xx is permanent with Discord's error body.
/// </summary>
public sealed class DiscordSender(DestinationClients clients, Templates.MessageRenderer renderer, TimeProvider time) : DestinationSender<DiscordSettings>
{
    protected override async Task<SendResult> SendAsync(DeliveryAttempt attempt, DiscordSettings settings, CancellationToken cancellationToken)
    {
        var message = await renderer.RenderAsync(attempt.Destination, attempt.Notification, bodyEncoder: DiscordPayload.Encoder).ConfigureAwait(false);
        var body = JsonSerializer.SerializeToUtf8Bytes(DiscordPayload.Build(attempt.Notification, settings, message));
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        try
        {
            using var response = await clients.For<IDiscordApi>(attempt.Destination.Name).ExecuteAsync(content, cancellationToken).ConfigureAwait(false);
            TimeSpan? inBody = null;
            var result = await HttpOutcome.FromResponseAsync(response, time, cancellationToken, (status, text) =>
            {
                if (status == 429) inBody = RetryAfterInBody(text);
                return status is >= 400 and < 500 and not 408 and not 429 ? SendResult.Permanent("discord: " + HttpOutcome.Describe(status, text)) : null;
            }).ConfigureAwait(false);
            return inBody is { } wait && (result.RetryAfter is null || result.RetryAfter < wait) ? result with { RetryAfter = wait } : result;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return HttpOutcome.FromException(e, attempt.Destination.Options);
        }
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
