using Refit;

namespace FalcoHook.Core.Destinations.Slack;

/// <summary>A Slack incoming webhook: the whole webhook URL is the client's base address.</summary>
public interface ISlackApi
{
    [Post("")]
    Task<HttpResponseMessage> PostAsync([Body] HttpContent message, CancellationToken cancellationToken);
}
