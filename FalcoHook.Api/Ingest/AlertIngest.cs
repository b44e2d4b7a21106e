using FalcoHook.Core.Alerts;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Ingest;

/// <summary>Hands parsed alerts to the inbox and turns the outcome into the HTTP answer.</summary>
public sealed class AlertIngest(IAlertInbox inbox, FalcoHookTelemetry telemetry, IOptionsMonitor<IngestOptions> options)
{
    public IngestOptions Options => options.CurrentValue;

    public async Task<Results<Ok<AcceptedAlerts>, ProblemHttpResult>> AcceptAsync(
        HttpContext context, IReadOnlyList<FalcoAlert> alerts, string endpoint, CancellationToken cancellationToken)
    {
        var result = await inbox.AppendAsync(alerts, cancellationToken);
        if (result == InboxAppendResult.Full)
        {
            telemetry.RequestRejected(endpoint, "overloaded");
            return IngestResults.Overloaded(context, Options.RetryAfterSeconds);
        }
        telemetry.AlertsReceived(alerts);
        return TypedResults.Ok(new AcceptedAlerts(alerts.Count));
    }
}
