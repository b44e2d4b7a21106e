using FalcoHook.Core.Destinations.Aws;

namespace FalcoHook.Core.Destinations.CloudWatchLogs;

/// <summary>
/// <c>Type: cloudwatchlogs</c>: alerts as log events with <c>PutLogEvents</c> (JSON 1.1, <c>X-Amz-Target:
/// Logs_20140328.PutLogEvents</c>, SigV4 for service <c>logs</c>). API reference:
/// https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutLogEvents.html (events in chronological
/// order, at most 10,000 a request and 1,048,576 bytes counting 26 bytes per event, one request spanning at most 24
/// hours; events more than 2 hours ahead or older than 14 days or the retention are refused in
/// <c>rejectedLogEventsInfo</c>). CloudWatch Logs has no idempotency key: events sent again are stored again.
/// </summary>
public sealed class CloudWatchLogsDestination : DestinationType<CloudWatchLogsSettings, CloudWatchLogsSender>
{
    public override string Name => "cloudwatchlogs";

    public override BatchDefaults Batching => BatchDefaults.Standard;

    public override IEnumerable<string> Validate(CloudWatchLogsSettings settings, string at)
    {
        foreach (var error in AwsCheck.Validate(settings, at, Name)) yield return error;
        if (string.IsNullOrWhiteSpace(settings.LogGroup)) yield return $"{at}:LogGroup is required for type {Name}";
        else if (settings.LogGroup.Length > 512) yield return $"{at}:LogGroup must be at most 512 characters";
        if (string.IsNullOrWhiteSpace(settings.LogStream) || settings.LogStream.Length > 512 || settings.LogStream.Contains(':') || settings.LogStream.Contains('*'))
            yield return $"{at}:LogStream must be 1 to 512 characters without ':' or '*' (got '{settings.LogStream}')";
    }

    /// <summary>Null: the sender addresses the regional endpoint or <c>ServiceUrl</c>.</summary>
    public override Uri? Endpoint(CloudWatchLogsSettings settings) => null;

    public override IEnumerable<string> Secrets(CloudWatchLogsSettings settings) => AwsCheck.Secrets(settings);
}
