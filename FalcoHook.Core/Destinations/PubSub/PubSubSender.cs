using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FalcoHook.Core.Delivery;

namespace FalcoHook.Core.Destinations.PubSub;

/// <summary>
/// Publishes a batch as the requests <see cref="PubSubMessages.Split"/> makes, one after the other, with a bearer token
/// from the destination's service account (<see cref="GoogleAccessTokens"/>); without a key (an emulator
/// <c>Endpoint</c>) requests carry none. A token that cannot be had is a retryable failure of the whole batch: alerts wait
/// for it. A request is taken or refused whole: 2xx with one message id per message is delivered, 408, 429 and 5xx are
/// retried, 401 (the token was refused) drops the kept token and is retried, any other status is permanent.
/// </summary>
public sealed class PubSubSender(IHttpClientFactory factory, TimeProvider time) : BatchDestinationSender<PubSubSettings>
{
    public const string Scope = "https://www.googleapis.com/auth/pubsub";

    private readonly GoogleAccessTokens _tokens = new(factory, time);

    protected override async Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, PubSubSettings settings, CancellationToken cancellationToken)
    {
        var destination = batch[0].Destination;
        var results = new SendResult[batch.Count];
        var requests = PubSubMessages.Split(batch, settings, out var tooLarge);
        foreach (var i in tooLarge) results[i] = SendResult.Permanent($"the message is larger than Pub/Sub's {PubSubMessages.MaxRequestBytes} bytes a request");
        if (requests.Count == 0) return results;
        string? token = null;
        if (PubSubDestination.HasKey(settings))
        {
            try
            {
                token = await _tokens.GetAsync(destination.Name, () => PubSubDestination.Account(settings), Scope, cancellationToken).ConfigureAwait(false);
            }
            catch (GoogleTokenException e)
            {
                foreach (var request in requests)
                    foreach (var i in request.Positions) results[i] = SendResult.Retry("no Google access token: " + e.Message);
                return results;
            }
        }
        var client = factory.CreateClient(DestinationCatalog.HttpClientName(destination.Name));
        var url = PubSubDestination.PublishUrl(settings);
        foreach (var request in requests)
        {
            var outcome = await PublishAsync(client, url, destination, token, request, cancellationToken).ConfigureAwait(false);
            foreach (var i in request.Positions) results[i] = outcome;
        }
        return results;
    }

    private async Task<SendResult> PublishAsync(HttpClient client, Uri url, ConfiguredDestination destination, string? token, PubSubMessages.Request request,
        CancellationToken cancellationToken)
    {
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(request.Body) };
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            if (token is not null) message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                _tokens.Forget(destination.Name);
                return SendResult.Retry(HttpOutcome.Describe(401, await HttpOutcome.ReadBodyAsync(response, cancellationToken).ConfigureAwait(false)));
            }
            if (!response.IsSuccessStatusCode) return await HttpOutcome.FromResponseAsync(response, time, cancellationToken).ConfigureAwait(false);
            var ids = MessageIds(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            return ids == request.Positions.Count
                ? SendResult.Delivered
                : SendResult.Retry($"the publish answer lists {ids} message ids for {request.Positions.Count} messages");
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return HttpOutcome.FromException(e, destination.Options);
        }
    }

    private static int MessageIds(string answer)
    {
        try
        {
            using var document = JsonDocument.Parse(answer);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("messageIds", out var ids) && ids.ValueKind == JsonValueKind.Array
                ? ids.GetArrayLength() : -1;
        }
        catch (JsonException)
        {
            return -1;
        }
    }
}
