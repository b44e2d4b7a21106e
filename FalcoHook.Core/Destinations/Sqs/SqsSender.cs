using System.Collections.Concurrent;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using FalcoHook.Core.Destinations.Aws;

namespace FalcoHook.Core.Destinations.Sqs;

/// <summary>
/// Sends a batch as <c>SendMessageBatch</c> requests of at most 10 messages, one after the other (a FIFO queue keeps
/// their order), through one SDK client per destination with the SDK's own retries off: the outbox retries. Each entry
/// the queue lists in <c>Failed</c> is dead when the fault is the sender's (<c>SenderFault</c>: an invalid message),
/// retried otherwise; a request that fails as a whole is one outcome for its entries.
/// </summary>
public sealed class SqsSender(IHttpClientFactory factory) : BatchDestinationSender<SqsSettings>
{
    private readonly AwsCredentialSource _credentials = new();
    private readonly ConcurrentDictionary<string, AmazonSQSClient> _clients = new(StringComparer.Ordinal);

    protected override async Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, SqsSettings settings, CancellationToken cancellationToken)
    {
        var destination = batch[0].Destination;
        var results = new SendResult[batch.Count];
        var requests = SqsEntries.Split(batch, settings, out var tooLarge);
        foreach (var i in tooLarge) results[i] = SendResult.Permanent($"the message is larger than SQS's {SqsEntries.MaxBytes} bytes");
        AmazonSQSClient client;
        try
        {
            client = await ClientAsync(destination, settings).ConfigureAwait(false);
        }
        catch (AmazonClientException e)
        {
            return All(SendResult.Retry("no AWS credentials: " + e.Message), batch.Count);
        }
        foreach (var request in requests)
        {
            var outcomes = await SendAsync(client, request, settings, destination, cancellationToken).ConfigureAwait(false);
            for (var j = 0; j < outcomes.Count; j++) results[request.Positions[j]] = outcomes[j];
        }
        return results;
    }

    private static async Task<IReadOnlyList<SendResult>> SendAsync(AmazonSQSClient client, SqsEntries.Request request, SqsSettings settings,
        ConfiguredDestination destination, CancellationToken cancellationToken)
    {
        try
        {
            var answer = await client.SendMessageBatchAsync(new SendMessageBatchRequest(settings.QueueUrl, request.Entries), cancellationToken).ConfigureAwait(false);
            var failed = (answer.Failed ?? []).ToDictionary(f => f.Id, StringComparer.Ordinal);
            var succeeded = (answer.Successful ?? []).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
            return request.Entries.Select(entry =>
                failed.TryGetValue(entry.Id, out var failure) ? Outcome(failure)
                : succeeded.Contains(entry.Id) ? SendResult.Delivered
                : SendResult.Retry("the answer lists the entry neither as successful nor as failed")).ToList();
        }
        catch (AmazonServiceException e) when (!cancellationToken.IsCancellationRequested)
        {
            var status = (int)e.StatusCode;
            var error = $"HTTP {status}: {e.ErrorCode}: {e.Message}";
            var result = status >= 500 || status is 0 or 408 or 429 || AwsErrors.IsRetryable(e.ErrorCode) || e.InnerException is HttpRequestException or TaskCanceledException or TimeoutException
                ? SendResult.Retry(error) : SendResult.Permanent(error);
            return All(result, request.Entries.Count);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return All(HttpOutcome.FromException(e, destination.Options), request.Entries.Count);
        }
    }

    /// <summary>An entry in <c>Failed</c>: the sender's fault is permanent (the same message would fail again), the queue's is retried.</summary>
    public static SendResult Outcome(BatchResultErrorEntry failure)
    {
        var error = $"SQS refused the message: {failure.Code}: {failure.Message}";
        return failure.SenderFault == true && !AwsErrors.IsRetryable(failure.Code) ? SendResult.Permanent(error) : SendResult.Retry(error);
    }

    private async Task<AmazonSQSClient> ClientAsync(ConfiguredDestination destination, SqsSettings settings)
    {
        if (_clients.TryGetValue(destination.Name, out var client)) return client;
        var config = new AmazonSQSConfig
        {
            MaxErrorRetry = 0,
            Timeout = destination.Options.Timeout,
            HttpClientFactory = new SdkHttpClientFactory(factory, destination.Name),
        };
        if (string.IsNullOrWhiteSpace(settings.ServiceUrl)) config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(settings.Region);
        else
        {
            config.ServiceURL = settings.ServiceUrl;
            config.AuthenticationRegion = settings.Region;
        }
        var created = new AmazonSQSClient(await _credentials.GetAsync(destination.Name, settings).ConfigureAwait(false), config);
        if (_clients.TryAdd(destination.Name, created)) return created;
        created.Dispose();
        return _clients[destination.Name];
    }
}
