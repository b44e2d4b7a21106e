using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FalcoHook.Core.Destinations;

/// <summary>How one type sends and reads an answer beyond the usual: a token or headers to send, another address, a verdict on a status and body, a wait in a 429's body.</summary>
public sealed record JsonPostOptions
{
    /// <summary>Sent as <c>Authorization: Bearer …</c> when set.</summary>
    public string? BearerToken { get; init; }

    /// <summary>Extra request headers (custom headers, an API key under another scheme); a <c>Content-*</c> one replaces the body's.</summary>
    public IEnumerable<KeyValuePair<string, string>>? Headers { get; init; }

    /// <summary>Where to send instead of the destination's endpoint (a type with several receivers addresses each itself).</summary>
    public Uri? To { get; init; }

    /// <summary>Decides an answer first (status, body); null leaves it to the usual mapping.</summary>
    public Func<int, string, SendResult?>? Special { get; init; }

    /// <summary>How long a 429's body says to wait; the later of it and <c>Retry-After</c> wins.</summary>
    public Func<string, TimeSpan?>? RetryAfterInBody { get; init; }
}

/// <summary>
/// The send of most HTTP types: POST the message (UTF-8 JSON, or a body the type prepared) through the destination's
/// own HttpClient (its timeout, its pinned endpoint) and map the answer: 2xx delivered, 408/429/5xx retried with
/// <c>Retry-After</c>, any other status permanent with the type's name and the receiver's error body; a transport
/// failure or timeout is retried.
/// </summary>
public sealed class JsonPost(IHttpClientFactory clients, TimeProvider time)
{
    private static readonly JsonPostOptions Usual = new();

    /// <summary>A body of <paramref name="message"/> as UTF-8 JSON (<c>application/json; charset=utf-8</c>).</summary>
    public static ByteArrayContent Json(JsonNode message)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(message));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    public async Task<SendResult> SendAsync(DeliveryAttempt attempt, JsonNode message, CancellationToken cancellationToken, JsonPostOptions? options = null)
    {
        using var content = Json(message);
        return await SendAsync(attempt, content, cancellationToken, options).ConfigureAwait(false);
    }

    /// <summary>
    /// A batch the receiver accepts or refuses as a whole (its answer names no items): one POST of
    /// <paramref name="content"/> to the batch's destination, its outcome for every delivery of the batch.
    /// </summary>
    public async Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, HttpContent content,
        CancellationToken cancellationToken, JsonPostOptions? options = null)
    {
        var result = await SendAsync(batch[0], content, cancellationToken, options).ConfigureAwait(false);
        return Enumerable.Repeat(result, batch.Count).ToArray();
    }

    /// <summary>A body of UTF-8 JSON the type wrote itself (<c>application/json</c>).</summary>
    public static ByteArrayContent Json(byte[] utf8)
    {
        var content = new ByteArrayContent(utf8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    public async Task<SendResult> SendAsync(DeliveryAttempt attempt, HttpContent content, CancellationToken cancellationToken, JsonPostOptions? options = null)
    {
        options ??= Usual;
        var destination = attempt.Destination;
        var type = destination.Type.Name;
        using var request = new HttpRequestMessage(HttpMethod.Post, options.To ?? destination.Endpoint) { Content = content };
        if (options.BearerToken is { } token) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        foreach (var (name, value) in options.Headers ?? [])
        {
            if (name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase)) content.Headers.Remove(name);
            if (!request.Headers.TryAddWithoutValidation(name, value)) content.Headers.TryAddWithoutValidation(name, value);
        }
        try
        {
            using var response = await clients.CreateClient(DestinationCatalog.HttpClientName(destination.Name))
                .SendAsync(request, cancellationToken).ConfigureAwait(false);
            TimeSpan? inBody = null;
            var result = await HttpOutcome.FromResponseAsync(response, time, cancellationToken, (status, text) =>
            {
                if (status == 429 && options.RetryAfterInBody is { } read) inBody = read(text);
                return options.Special?.Invoke(status, text)
                       ?? (status is >= 400 and < 500 and not 408 and not 429 ? SendResult.Permanent($"{type}: {HttpOutcome.Describe(status, text)}") : null);
            }).ConfigureAwait(false);
            return inBody is { } wait && (result.RetryAfter is null || result.RetryAfter < wait) ? result with { RetryAfter = wait } : result;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return HttpOutcome.FromException(e, destination.Options);
        }
    }
}
