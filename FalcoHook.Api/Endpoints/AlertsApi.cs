using FalcoHook.Api.Ingest;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FalcoHook.Api.Endpoints;

/// <summary>Falco alert ingest: what Falco's <c>http_output</c> posts.</summary>
public static class AlertsApi
{
    private const string Accepted = "application/json (an alert or an array), application/x-ndjson, or text/plain";

    public static RouteGroupBuilder MapAlerts(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("").WithTags("Alerts");

        Describe(group.MapPost("/", ReceiveAsync).WithName("ReceiveAlertsAtRoot")
            .WithSummary("Receive Falco alerts (Falco's http_output URL, Falcosidekick-compatible)"));
        Describe(group.MapPost("/api/v1/alerts", ReceiveAsync).WithName("ReceiveAlerts")
            .WithSummary("Receive Falco alerts"));
        return group;
    }

    private static void Describe(RouteHandlerBuilder endpoint) => endpoint
        .WithDescription("Takes one alert or an array (application/json), JSON Lines (application/x-ndjson) or Falco's " +
                         "text line (text/plain, json_output: false). Answers 200 only once the alerts are accepted; " +
                         "a bad item rejects the whole request. At most 10,000 alerts per request.")
        .WithRequestBody<FalcoAlertDocument>("One alert or an array (application/json), one alert per line (application/x-ndjson), or Falco's text line (text/plain).",
            "application/json", "application/x-ndjson")
        .ProducesValidationProblem()
        .ProducesProblem(StatusCodes.Status408RequestTimeout)
        .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
        .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
        .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    public static async Task<Results<Ok<AcceptedAlerts>, ValidationProblem, ProblemHttpResult>> ReceiveAsync(
        HttpContext context, AlertIngest ingest, FalcoHookTelemetry telemetry, TimeProvider time, CancellationToken cancellationToken)
    {
        const string endpoint = "alerts";
        var format = RequestBody.FormatOf(context.Request);
        if (format == BodyFormat.Unsupported)
        {
            telemetry.RequestRejected(endpoint, "unsupported_media_type");
            return IngestResults.UnsupportedType(context.Request.ContentType, Accepted);
        }
        var (body, refused) = await ingest.ReadBodyAsync(context, ingest.Options.MaxBodyBytes, "FalcoHook:Ingest:MaxBodyBytes", endpoint, cancellationToken);
        if (body is null) return refused!;
        var read = format switch
        {
            BodyFormat.Json => AlertReader.ReadJson(body, cancellationToken),
            BodyFormat.Ndjson => AlertReader.ReadNdjson(body, cancellationToken),
            _ => AlertReader.ReadText(AlertReader.DecodeText(body), time.GetUtcNow()),
        };
        if (!read.Ok)
        {
            telemetry.RequestRejected(endpoint, "invalid");
            return IngestResults.Invalid(read.Errors, "alert");
        }
        return await ingest.AcceptAsync(context, read.Alerts, endpoint, cancellationToken) switch
        {
            { Result: Ok<AcceptedAlerts> ok } => ok,
            { Result: ProblemHttpResult problem } => problem,
            _ => throw new InvalidOperationException("unreachable"),
        };
    }
}
