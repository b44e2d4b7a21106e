using Refit;

namespace FalcoHook.Core.Destinations;

/// <summary>
/// Typed Refit clients over IHttpClientFactory: each destination has its own named HttpClient (base address =
/// its endpoint, its own timeout), so a client is made per send from the factory's pooled handlers.
/// </summary>
public sealed class DestinationClients(IHttpClientFactory factory)
{
    public T For<T>(string destination) =>
        RestService.For<T>(factory.CreateClient(DestinationCatalog.HttpClientName(destination)));
}
