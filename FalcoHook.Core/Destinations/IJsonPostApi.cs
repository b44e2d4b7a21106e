using Refit;

namespace FalcoHook.Core.Destinations;

/// <summary>A JSON POST to the destination's endpoint (the client's base address, pinned by <see cref="PinnedEndpointHandler"/>).</summary>
public interface IJsonPostApi
{
    [Post("")]
    Task<HttpResponseMessage> PostAsync([Body] HttpContent message, CancellationToken cancellationToken);

    [Post("")]
    Task<HttpResponseMessage> PostAsync([Body] HttpContent message, [Authorize("Bearer")] string token, CancellationToken cancellationToken);
}
