using System.Diagnostics;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Telemetry;

namespace FalcoHook.Api.Delivery;

/// <summary>
/// Puts the HTTP status of a destination's answer on the delivery attempt's span (<c>http.response.status_code</c>):
/// the sender's result says delivered / retry / dead, the span should also say what the receiver answered.
/// </summary>
internal sealed class AttemptStatusHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var attempt = Activity.Current is { OperationName: DeliveryDispatcher.AttemptSpanName } current && current.Source.Name == FalcoHookTelemetry.Name
            ? current
            : null;
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        attempt?.SetTag("http.response.status_code", (int)response.StatusCode);
        return response;
    }
}
