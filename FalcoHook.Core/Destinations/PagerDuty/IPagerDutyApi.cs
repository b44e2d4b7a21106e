using Refit;

namespace FalcoHook.Core.Destinations.PagerDuty;

/// <summary>PagerDuty Events API v2: the enqueue URL (by region, or the destination's Url) is the base address.</summary>
public interface IPagerDutyApi
{
    [Post("")]
    Task<HttpResponseMessage> EnqueueAsync([Body] HttpContent evt, CancellationToken cancellationToken);
}
