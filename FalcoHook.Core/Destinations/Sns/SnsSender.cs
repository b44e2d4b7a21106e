using FalcoHook.Core.Destinations.Aws;

namespace FalcoHook.Core.Destinations.Sns;

/// <summary>
/// Sends a batch as <c>PublishBatch</c> requests of at most 10 messages (<see cref="PublishBatch"/>), one after the other
/// (a FIFO topic keeps their order); each entry the topic lists in <c>Failed</c> is retried alone or dead by its
/// <c>SenderFault</c>, a request that failed as a whole is one outcome for its entries.
/// </summary>
public sealed class SnsSender(IHttpClientFactory factory, TimeProvider time) : BatchDestinationSender<SnsSettings>
{
    private static readonly Dictionary<string, string> NoHeaders = [];
    private readonly AwsClient _aws = new(factory, time);

    protected override async Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, SnsSettings settings, CancellationToken cancellationToken)
    {
        var destination = batch[0].Destination;
        var results = new SendResult[batch.Count];
        var requests = PublishBatch.Split(batch, settings, out var tooLarge);
        foreach (var i in tooLarge) results[i] = SendResult.Permanent($"the message is larger than SNS's {PublishBatch.MaxBytes} bytes");
        foreach (var request in requests)
        {
            var answer = await _aws.PostAsync(destination, settings, "sns", "sns", request.Body, "application/x-www-form-urlencoded; charset=utf-8", NoHeaders, cancellationToken)
                .ConfigureAwait(false);
            var outcomes = answer.Failure is { } failure ? All(failure, request.Positions.Count) : PublishBatch.ReadAnswer(answer.Body, request.Positions.Count);
            for (var j = 0; j < outcomes.Count; j++) results[request.Positions[j]] = outcomes[j];
        }
        return results;
    }
}
