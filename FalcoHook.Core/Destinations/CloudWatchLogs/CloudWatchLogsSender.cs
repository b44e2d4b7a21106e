using System.Text;
using System.Text.Json;
using FalcoHook.Core.Destinations.Aws;

namespace FalcoHook.Core.Destinations.CloudWatchLogs;

/// <summary>
/// Sends a batch as <c>PutLogEvents</c> requests (<see cref="LogEvents"/>), one after the other. With
/// <c>CreateLogStream</c>, a <c>ResourceNotFoundException</c> creates the stream (an existing one is fine) and the
/// request is sent again at once.
/// </summary>
public sealed class CloudWatchLogsSender(IHttpClientFactory factory, TimeProvider time) : BatchDestinationSender<CloudWatchLogsSettings>
{
    private const string JsonType = "application/x-amz-json-1.1";
    private static readonly Dictionary<string, string> PutHeaders = new() { ["X-Amz-Target"] = "Logs_20140328.PutLogEvents" };
    private static readonly Dictionary<string, string> CreateHeaders = new() { ["X-Amz-Target"] = "Logs_20140328.CreateLogStream" };
    private readonly AwsClient _aws = new(factory, time);

    protected override async Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, CloudWatchLogsSettings settings, CancellationToken cancellationToken)
    {
        var destination = batch[0].Destination;
        var results = new SendResult[batch.Count];
        var requests = LogEvents.Split(batch, settings, out var tooLarge);
        foreach (var i in tooLarge) results[i] = SendResult.Permanent($"the event is larger than CloudWatch Logs' {LogEvents.MaxMessageBytes} bytes");
        foreach (var request in requests)
        {
            var answer = await PutAsync(destination, settings, request.Body, cancellationToken).ConfigureAwait(false);
            if (answer.Failure is { } missing && settings.CreateLogStream && missing.Error?.Contains("ResourceNotFoundException", StringComparison.Ordinal) == true)
            {
                var created = await CreateStreamAsync(destination, settings, cancellationToken).ConfigureAwait(false);
                answer = created is null ? await PutAsync(destination, settings, request.Body, cancellationToken).ConfigureAwait(false) : new AwsAnswer([], created);
            }
            var outcomes = answer.Failure is { } failure ? All(failure, request.Positions.Count) : LogEvents.ReadAnswer(answer.Body, request.Positions.Count);
            for (var j = 0; j < outcomes.Count; j++) results[request.Positions[j]] = outcomes[j];
        }
        return results;
    }

    private Task<AwsAnswer> PutAsync(ConfiguredDestination destination, CloudWatchLogsSettings settings, byte[] body, CancellationToken cancellationToken) =>
        _aws.PostAsync(destination, settings, "logs", "logs", body, JsonType, PutHeaders, cancellationToken);

    /// <summary>Creates the log stream; null when it exists now (created, or there already), else the failure.</summary>
    private async Task<SendResult?> CreateStreamAsync(ConfiguredDestination destination, CloudWatchLogsSettings settings, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["logGroupName"] = settings.LogGroup!.Trim(),
            ["logStreamName"] = settings.LogStream.Trim(),
        }));
        var answer = await _aws.PostAsync(destination, settings, "logs", "logs", body, JsonType, CreateHeaders, cancellationToken).ConfigureAwait(false);
        if (answer.Failure is { } failure && failure.Error?.Contains("ResourceAlreadyExistsException", StringComparison.Ordinal) != true)
            return failure with { Error = "creating the log stream: " + failure.Error };
        return null;
    }
}
