using FalcoHook.Core.Destinations.Aws;

namespace FalcoHook.Core.Destinations.Kinesis;

/// <summary>
/// Sends a batch as <c>PutRecords</c> requests (<see cref="KinesisRecords"/>), one after the other; each record the
/// stream refused is retried alone or dead by its <c>ErrorCode</c>, a request that failed as a whole is one outcome for its records.
/// </summary>
public sealed class KinesisSender(IHttpClientFactory factory, TimeProvider time) : BatchDestinationSender<KinesisSettings>
{
    private static readonly Dictionary<string, string> Headers = new() { ["X-Amz-Target"] = "Kinesis_20131202.PutRecords" };
    private readonly AwsClient _aws = new(factory, time);

    protected override async Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, KinesisSettings settings, CancellationToken cancellationToken)
    {
        var destination = batch[0].Destination;
        var results = new SendResult[batch.Count];
        var requests = KinesisRecords.Split(batch, settings, out var tooLarge);
        foreach (var i in tooLarge) results[i] = SendResult.Permanent($"the record is larger than Kinesis's {KinesisRecords.MaxRecordBytes} bytes");
        foreach (var request in requests)
        {
            var answer = await _aws.PostAsync(destination, settings, "kinesis", "kinesis", request.Body, "application/x-amz-json-1.1", Headers, cancellationToken).ConfigureAwait(false);
            var outcomes = answer.Failure is { } failure ? All(failure, request.Positions.Count) : KinesisRecords.ReadAnswer(answer.Body, request.Positions.Count);
            for (var j = 0; j < outcomes.Count; j++) results[request.Positions[j]] = outcomes[j];
        }
        return results;
    }
}
