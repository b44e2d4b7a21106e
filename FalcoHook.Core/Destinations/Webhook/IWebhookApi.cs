using Refit;

namespace FalcoHook.Core.Destinations.Webhook;

/// <summary>A generic webhook: the whole URL is the client's base address.</summary>
public interface IWebhookApi
{
    [Post("")]
    Task<HttpResponseMessage> PostAsync([Body] HttpContent body, [HeaderCollection] IDictionary<string, string> headers, CancellationToken cancellationToken);

    [Put("")]
    Task<HttpResponseMessage> PutAsync([Body] HttpContent body, [HeaderCollection] IDictionary<string, string> headers, CancellationToken cancellationToken);
}
