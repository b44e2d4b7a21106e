using System.Data.Common;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Ingest;

/// <summary>Reads ingest bodies, hands parsed alerts to the inbox and turns the outcome into the HTTP answer.</summary>
public sealed partial class AlertIngest(
    IAlertInbox inbox, FalcoHookTelemetry telemetry, IOptionsMonitor<IngestOptions> options, ILogger<AlertIngest> logger)
{
    public IngestOptions Options => options.CurrentValue;

    /// <summary>
    /// The body, or the answer for one that is too large (413), stalled (408) or cut short (400), counted as a rejected
    /// request. A client that stops sending is the client's problem, not ours: it is logged at Debug.
    /// </summary>
    public async Task<(byte[]? Body, ProblemHttpResult? Problem)> ReadBodyAsync(
        HttpContext context, long limit, string limitKey, string endpoint, CancellationToken cancellationToken)
    {
        var read = await RequestBody.ReadAsync(context.Request, limit, cancellationToken);
        return read.Failure == BodyFailure.None ? (read.Body, null) : (null, Refuse(context, read, limit, limitKey, endpoint));
    }

    /// <summary>As <see cref="ReadBodyAsync"/>, into a pooled array the caller disposes (see <see cref="RequestBody.ReadPooledAsync"/>).</summary>
    public async Task<(PooledBody? Body, ProblemHttpResult? Problem)> ReadPooledBodyAsync(
        HttpContext context, long limit, string limitKey, string endpoint, CancellationToken cancellationToken)
    {
        var (body, failure) = await RequestBody.ReadPooledAsync(context.Request, limit, cancellationToken);
        return body is not null ? (body, null) : (null, Refuse(context, failure, limit, limitKey, endpoint));
    }

    private ProblemHttpResult Refuse(HttpContext context, BodyRead read, long limit, string limitKey, string endpoint)
    {
        switch (read.Failure)
        {
            case BodyFailure.TooLarge:
                telemetry.RequestRejected(endpoint, "too_large");
                return IngestResults.TooLarge(limit, limitKey);
            case BodyFailure.TimedOut:
                telemetry.RequestRejected(endpoint, "timeout");
                LogBodyNotReceived(logger, endpoint, context.Connection.RemoteIpAddress?.ToString(), read.Reason);
                return IngestResults.TimedOut();
            default:
                telemetry.RequestRejected(endpoint, "incomplete");
                LogBodyNotReceived(logger, endpoint, context.Connection.RemoteIpAddress?.ToString(), read.Reason);
                return IngestResults.Incomplete();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Endpoint}: {Count} alert(s) answered 503, the database did not commit them: {Error}: {Reason}")]
    private static partial void LogStorageUnavailable(ILogger logger, string endpoint, int count, string error, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The {Endpoint} body from {Client} was not received whole: {Reason}")]
    private static partial void LogBodyNotReceived(ILogger logger, string endpoint, string? client, string? reason);

    public async Task<Results<Ok<AcceptedAlerts>, ProblemHttpResult>> AcceptAsync(
        HttpContext context, IReadOnlyList<FalcoAlert> alerts, string endpoint, CancellationToken cancellationToken)
    {
        InboxAppendResult result;
        try
        {
            result = await inbox.AppendAsync(alerts, cancellationToken);
        }
        catch (DbException e)
        {
            // The database did not commit (unreachable, restarting): nothing is ours, and the client should come back.
            telemetry.RequestRejected(endpoint, "storage_unavailable");
            LogStorageUnavailable(logger, endpoint, alerts.Count, e.GetType().Name, e.Message);
            return IngestResults.StorageUnavailable(context, Options.RetryAfterSeconds);
        }
        if (result == InboxAppendResult.Full)
        {
            telemetry.RequestRejected(endpoint, "overloaded");
            return IngestResults.Overloaded(context, Options.RetryAfterSeconds);
        }
        telemetry.AlertsReceived(alerts);
        return TypedResults.Ok(new AcceptedAlerts(alerts.Count));
    }
}
