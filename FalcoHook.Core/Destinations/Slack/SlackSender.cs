using System.Net.Http.Headers;
using System.Text.Json;

namespace FalcoHook.Core.Destinations.Slack;

/// <summary>
/// <c>Type: slack</c>: posts <see cref="SlackPayload"/> to the incoming webhook. Success is 200 with body
/// <c>ok</c>; another 200 body or a 4xx (but 429) is permanent and carries Slack's error string
/// (<c>invalid_payload</c>, <c>channel_not_found</c>…); 429 and 5xx are retried with <c>Retry-After</c>.
/// </summary>
public sealed class SlackSender(DestinationClients clients, Templates.MessageRenderer renderer, TimeProvider time) : DestinationSender<SlackSettings>
{
    protected override async Task<SendResult> SendAsync(DeliveryAttempt attempt, SlackSettings settings, CancellationToken cancellationToken)
    {
        var message = await renderer.RenderAsync(attempt.Destination, attempt.Notification, bodyEncoder: SlackPayload.Encoder).ConfigureAwait(false);
        var body = JsonSerializer.SerializeToUtf8Bytes(SlackPayload.Build(attempt.Notification, settings, message));
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        try
        {
            using var response = await clients.For<ISlackApi>(attempt.Destination.Name).PostAsync(content, cancellationToken).ConfigureAwait(false);
            return await HttpOutcome.FromResponseAsync(response, time, cancellationToken, static (status, text) =>
                status == 200 && text.Trim() != "ok" ? SendResult.Permanent("slack: " + HttpOutcome.Describe(status, text)) :
                status is >= 400 and < 500 and not 408 and not 429 ? SendResult.Permanent("slack: " + HttpOutcome.Describe(status, text)) :
                null).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return HttpOutcome.FromException(e, attempt.Destination.Options);
        }
    }
}
