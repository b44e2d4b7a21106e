using System.Collections.Concurrent;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace FalcoHook.Core.Destinations.Aws;

/// <summary>
/// The credentials of an AWS destination: its static keys when it has them, else the standard AWS chain (resolved
/// once per destination; the chain's credentials refresh themselves). A chain that finds nothing throws
/// <see cref="AmazonClientException"/>, which a sender reports as a retryable failure: alerts wait for credentials.
/// </summary>
public sealed class AwsCredentialSource
{
    private readonly ConcurrentDictionary<string, AWSCredentials> _resolved = new(StringComparer.Ordinal);

    public async Task<AWSCredentials> GetAsync(string destination, AwsSettings settings)
    {
        if (!string.IsNullOrEmpty(settings.AccessKeyId))
            return string.IsNullOrEmpty(settings.SessionToken)
                ? new BasicAWSCredentials(settings.AccessKeyId, settings.SecretAccessKey)
                : new SessionAWSCredentials(settings.AccessKeyId, settings.SecretAccessKey, settings.SessionToken);
        if (_resolved.TryGetValue(destination, out var known)) return known;
        var found = await DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync().ConfigureAwait(false);
        return _resolved.GetOrAdd(destination, found);
    }
}
