using Refit;

namespace FalcoHook.Core.Destinations.Discord;

/// <summary>Execute Webhook: the whole webhook URL is the client's base address.</summary>
public interface IDiscordApi
{
    [Post("")]
    Task<HttpResponseMessage> ExecuteAsync([Body] HttpContent message, CancellationToken cancellationToken);
}
