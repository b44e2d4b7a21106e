using System.Net.Http.Headers;
using System.Text.Json;

namespace FalcoHook.Core.Destinations.PagerDuty;

/// <summary>
/// <c>Type: pagerduty</c>: one Events API v2 trigger per delivery. 2xx (202) delivered; 400 permanent with
/// PagerDuty's <c>errors</c>; 429 retried no sooner than a minute (PagerDuty's advice) or its Retry-After; 5xx retried.
/// </summary>
public sealed class PagerDutySender(DestinationClients clients, TimeProvider time) : DestinationSender<PagerDutySettings>
{
    public static readonly TimeSpan RateLimitedBackoff = TimeSpan.FromMinutes(1);

    protected override async Task<SendResult> SendAsync(DeliveryAttempt attempt, PagerDutySettings settings, CancellationToken cancellationToken)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(PagerDutyPayload.Build(attempt.Notification, settings));
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        try
        {
            using var response = await clients.For<IPagerDutyApi>(attempt.Destination.Name).EnqueueAsync(content, cancellationToken).ConfigureAwait(false);
            var result = await HttpOutcome.FromResponseAsync(response, time, cancellationToken).ConfigureAwait(false);
            if ((int)response.StatusCode == 429 && (result.RetryAfter is null || result.RetryAfter < RateLimitedBackoff))
                result = result with { RetryAfter = RateLimitedBackoff };
            return result;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return HttpOutcome.FromException(e, attempt.Destination.Options);
        }
    }
}
