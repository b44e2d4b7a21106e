using Refit;

namespace FalcoHook.Core.Destinations;

/// <summary>
/// Typed Refit clients over IHttpClientFactory: each destination has its own named HttpClient (base address =
/// its endpoint, its own timeout), so a client is made per send from the factory's pooled handlers. The request
/// builder of an interface (its methods read by reflection) is made once and shared, as Refit's own
/// <c>AddRefitClient</c> does; <c>RestService.For(HttpClient)</c> would build it again for every send.
/// </summary>
public sealed class DestinationClients(IHttpClientFactory factory)
{
    public T For<T>(string destination) =>
        RestService.For(factory.CreateClient(DestinationCatalog.HttpClientName(destination)), Builder<T>.Instance);

    private static class Builder<T>
    {
        public static readonly IRequestBuilder<T> Instance = RequestBuilder.ForType<T>();
    }
}
