using Amazon.Runtime;

namespace FalcoHook.Core.Destinations.Aws;

/// <summary>What an AWS request came to: the 2xx answer's body, or the failure to report for every item it carried.</summary>
public sealed record AwsAnswer(byte[] Body, SendResult? Failure)
{
    public bool Succeeded => Failure is null;
}

/// <summary>
/// Posts signed requests to an AWS service for the senders that have no SDK package here (SNS, Kinesis, CloudWatch
/// Logs): the destination's credentials (<see cref="AwsCredentialSource"/>), its endpoint (<see cref="AwsCheck.Endpoint"/>),
/// SigV4 at <see cref="TimeProvider"/>'s time, the destination's HttpClient; errors read by <see cref="AwsErrors"/>.
/// </summary>
public sealed class AwsClient(IHttpClientFactory factory, TimeProvider time)
{
    private readonly AwsCredentialSource _credentials = new();

    public async Task<AwsAnswer> PostAsync(ConfiguredDestination destination, AwsSettings settings, string endpointPrefix, string service,
        byte[] body, string contentType, IReadOnlyDictionary<string, string> headers, CancellationToken cancellationToken)
    {
        try
        {
            var credentials = await _credentials.GetAsync(destination.Name, settings).ConfigureAwait(false);
            using var request = await AwsRequest.CreateAsync(AwsCheck.Endpoint(settings, endpointPrefix), body, contentType, headers, credentials,
                settings.Region!.Trim(), service, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
            var client = factory.CreateClient(DestinationCatalog.HttpClientName(destination.Name));
            using var response = await client.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode) return new AwsAnswer([], await AwsErrors.FromResponseAsync(response, time, cancellationToken).ConfigureAwait(false));
            return new AwsAnswer(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false), null);
        }
        catch (AmazonClientException e) when (!cancellationToken.IsCancellationRequested)
        {
            return new AwsAnswer([], SendResult.Retry("no AWS credentials: " + e.Message));
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return new AwsAnswer([], HttpOutcome.FromException(e, destination.Options));
        }
    }
}
