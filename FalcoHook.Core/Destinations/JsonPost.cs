using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FalcoHook.Core.Destinations;

/// <summary>How one type reads an answer beyond the usual: a token to send, a verdict on a status and body, a wait in a 429's body.</summary>
public sealed record JsonPostOptions
{
    /// <summary>Sent as <c>Authorization: Bearer …</c> when set.</summary>
    public string? BearerToken { get; init; }

    /// <summary>Decides an answer first (status, body); null leaves it to the usual mapping.</summary>
    public Func<int, string, SendResult?>? Special { get; init; }

    /// <summary>How long a 429's body says to wait; the later of it and <c>Retry-After</c> wins.</summary>
    public Func<string, TimeSpan?>? RetryAfterInBody { get; init; }
}

/// <summary>
/// The send of the chat types: POST the message as UTF-8 JSON to the destination's endpoint and map the answer: 2xx
/// delivered, 408/429/5xx retried with <c>Retry-After</c>, any other status permanent with the type's name and the
/// receiver's error body; a transport failure or timeout is retried.
/// </summary>
public sealed class JsonPost(DestinationClients clients, TimeProvider time)
{
    private static readonly JsonPostOptions Usual = new();

    public async Task<SendResult> SendAsync(DeliveryAttempt attempt, JsonNode message, CancellationToken cancellationToken, JsonPostOptions? options = null)
    {
        options ??= Usual;
        var type = attempt.Destination.Type.Name;
        using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(message));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        try
        {
            var api = clients.For<IJsonPostApi>(attempt.Destination.Name);
            using var response = options.BearerToken is { } token
                ? await api.PostAsync(content, token, cancellationToken).ConfigureAwait(false)
                : await api.PostAsync(content, cancellationToken).ConfigureAwait(false);
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
            return HttpOutcome.FromException(e, attempt.Destination.Options);
        }
    }
}
