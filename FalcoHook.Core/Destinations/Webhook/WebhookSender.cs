using System.Globalization;
using System.Net.Http.Headers;

namespace FalcoHook.Core.Destinations.Webhook;

/// <summary>
/// <c>Type: webhook</c>: the Falco alert JSON as body, exactly what Falcosidekick's webhook output sends. For a
/// storm summary (a notification with a Digest) the body is the summary alert with its count, window and samples as
/// <c>falcohook.*</c> output fields (<see cref="Delivery.SummaryFields"/>), so
/// receivers see one Falco-shaped alert either way. Signed per Standard Webhooks when <c>Secret</c> is set;
/// <c>webhook-id</c> is the stable delivery id (also sent unsigned so receivers can dedupe).
/// </summary>
public sealed class WebhookSender(DestinationClients clients, TimeProvider time) : DestinationSender<WebhookSettings>
{
    protected override async Task<SendResult> SendAsync(DeliveryAttempt attempt, WebhookSettings settings, CancellationToken cancellationToken)
    {
        var body = Delivery.SummaryFields.AlertOf(attempt.Notification).ToJsonBytes();
        var headers = new Dictionary<string, string>(settings.Headers, StringComparer.OrdinalIgnoreCase);
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        headers["webhook-id"] = attempt.DeliveryId;
        headers["webhook-timestamp"] = timestamp.ToString(CultureInfo.InvariantCulture);
        if (settings.Secret is { Length: > 0 } secret && StandardWebhookSigner.TryDecodeSecret(secret, out var key))
            headers["webhook-signature"] = StandardWebhookSigner.Sign(key, attempt.DeliveryId, timestamp, body);
        var contentType = headers.Remove("Content-Type", out var custom) ? custom : "application/json";
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        var api = clients.For<IWebhookApi>(attempt.Destination.Name);
        try
        {
            using var response = settings.Method.Equals("PUT", StringComparison.OrdinalIgnoreCase)
                ? await api.PutAsync(content, headers, cancellationToken).ConfigureAwait(false)
                : await api.PostAsync(content, headers, cancellationToken).ConfigureAwait(false);
            return await HttpOutcome.FromResponseAsync(response, time, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return HttpOutcome.FromException(e, attempt.Destination.Options);
        }
    }
}
