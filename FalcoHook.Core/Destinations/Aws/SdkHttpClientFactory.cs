using Amazon.Runtime;

namespace FalcoHook.Core.Destinations.Aws;

/// <summary>
/// Hands an AWS SDK client the destination's own HttpClient from <see cref="IHttpClientFactory"/> (its timeout, no
/// loggers that would write URLs), so SDK requests go through the same handlers as every other destination's.
/// </summary>
public sealed class SdkHttpClientFactory(IHttpClientFactory factory, string destination) : Amazon.Runtime.HttpClientFactory
{
    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => factory.CreateClient(DestinationCatalog.HttpClientName(destination));

    /// <summary>False: <see cref="IHttpClientFactory"/> pools the handlers itself.</summary>
    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => true;
}
