namespace FalcoHook.Core.Destinations.Alertmanager;

/// <summary>
/// <c>Type: alertmanager</c>: posts the alert to every configured Alertmanager at once. Delivered when each
/// answered 2xx (200); when any failed retryably (connection, timeout, 429, 5xx) the whole delivery is retried,
/// so an Alertmanager that was down still gets the alert (the others get it again: an alert with the same labels is
/// one Alertmanager alert, so a resend only refreshes it). Otherwise a 4xx (400: Alertmanager rejected the alert)
/// makes it permanent. Each error names the Alertmanager (its scheme, host and port).
/// </summary>
public sealed class AlertmanagerSender(JsonPost post) : DestinationSender<AlertmanagerSettings>
{
    protected override async Task<SendResult> SendAsync(DeliveryAttempt attempt, AlertmanagerSettings settings, CancellationToken cancellationToken)
    {
        var payload = AlertmanagerPayload.Build(attempt.Notification, settings);
        var urls = settings.AllUrls().ToList();
        var results = await Task.WhenAll(urls.Select(async url =>
        {
            using var content = JsonPost.Json(payload);
            var result = await post.SendAsync(attempt, content, cancellationToken,
                new JsonPostOptions { Headers = settings.Headers, To = AlertmanagerSettings.AlertsEndpoint(url) }).ConfigureAwait(false);
            return result.Outcome == SendOutcome.Delivered || urls.Count == 1 ? result : result with { Error = $"{Redaction.Url(url)}: {result.Error}" };
        })).ConfigureAwait(false);
        var failed = results.Where(r => r.Outcome != SendOutcome.Delivered).ToList();
        if (failed.Count == 0) return SendResult.Delivered;
        var error = string.Join("; ", failed.Select(r => r.Error));
        return failed.Any(r => r.Outcome == SendOutcome.Retry)
            ? SendResult.Retry(error, failed.Max(r => r.RetryAfter))
            : SendResult.Permanent(error);
    }
}
