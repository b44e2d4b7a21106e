namespace FalcoHook.Core.Destinations;

/// <summary>
/// Sends every request of a destination's client to exactly its endpoint. Refit builds the URI from the base
/// address's path and drops its query; webhook URLs often carry a token in the query (<c>?code=…</c>), so the
/// endpoint is pinned here, whole. A destination without an endpoint addresses each request itself.
/// </summary>
public sealed class PinnedEndpointHandler(Uri? endpoint) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (endpoint is not null) request.RequestUri = endpoint;
        return base.SendAsync(request, cancellationToken);
    }
}
