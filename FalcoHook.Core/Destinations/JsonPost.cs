using System.Net.Http.Headers;
using System.Text.Json;

namespace FalcoHook.Core.Destinations;

/// <summary>
/// The exchange most HTTP destinations have: one POST of a body to the destination's endpoint (or a given URL),
/// the answer judged by <see cref="HttpOutcome"/>, transport failures and timeouts retryable. A 4xx other than 408
/// and 429 is permanent and its error names the type (<c>opsgenie: HTTP 422: …</c>).
/// </summary>
public static class JsonPost
{
    /// <summary>A body of <paramref name="value"/> as UTF-8 JSON, <c>application/json</c>.</summary>
    public static ByteArrayContent Content(object value) => Content(JsonSerializer.SerializeToUtf8Bytes(value), "application/json");

    public static ByteArrayContent Content(byte[] body, string contentType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    /// <summary>
    /// Posts <paramref name="content"/> with <paramref name="headers"/> through the destination's own HttpClient (its
    /// timeout, its pinned endpoint) to <paramref name="to"/>, or to the destination's endpoint when null.
    /// </summary>
    public static async Task<SendResult> SendAsync(IHttpClientFactory clients, TimeProvider time, DeliveryAttempt attempt, HttpContent content,
        CancellationToken cancellationToken, IEnumerable<KeyValuePair<string, string>>? headers = null, Uri? to = null)
    {
        var destination = attempt.Destination;
        using var request = new HttpRequestMessage(HttpMethod.Post, to ?? destination.Endpoint) { Content = content };
        foreach (var (name, value) in headers ?? [])
        {
            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)) content.Headers.Remove(name);
            if (!request.Headers.TryAddWithoutValidation(name, value)) content.Headers.TryAddWithoutValidation(name, value);
        }
        var type = destination.Type.Name;
        try
        {
            using var response = await clients.CreateClient(DestinationCatalog.HttpClientName(destination.Name))
                .SendAsync(request, cancellationToken).ConfigureAwait(false);
            return await HttpOutcome.FromResponseAsync(response, time, cancellationToken, (status, text) =>
                status is >= 400 and < 500 and not 408 and not 429 ? SendResult.Permanent($"{type}: {HttpOutcome.Describe(status, text)}") : null)
                .ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return HttpOutcome.FromException(e, destination.Options);
        }
    }
}
