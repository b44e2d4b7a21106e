using FalcoHook.Api.Ingest;
using FalcoHook.Core.Configuration;
using FalcoHook.Core.K8sAudit;
using FalcoHook.Core.Telemetry;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Endpoints;

/// <summary>The kube-apiserver audit webhook: audit events in, alerts of the k8s_audit rules out.</summary>
public static class K8sAuditApi
{
    /// <summary>What a batch gave: how many events were read and how many alerts they raised (now ours).</summary>
    public sealed record AuditAccepted(int Events, int Accepted);

    public static RouteGroupBuilder MapK8sAudit(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("").WithTags("Kubernetes audit");
        group.MapPost("/k8s-audit", ReceiveAsync)
            .WithName("ReceiveAuditEvents")
            .WithSummary("Receive a kube-apiserver audit batch and evaluate it with the k8s_audit rules")
            .WithDescription("Takes an audit.k8s.io/v1 (or v1beta1) EventList, a single Event or an array of events, at most " +
                             "10,000 events. Every event " +
                             "is read before anything is accepted; 200 means the alerts the batch raised are ours. " +
                             "When FalcoHook:Ingest:AuditTokens or FalcoHook:Tls:ClientCaPath is set, a bearer token " +
                             "or a verified client certificate is required.")
            .WithRequestBody<AuditEventListDocument>("An audit.k8s.io/v1 EventList, Event, or an array of events.", "application/json")
            .AddEndpointFilter<AuditAuthorization>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status408RequestTimeout)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    public static async Task<Results<Ok<AuditAccepted>, ValidationProblem, ProblemHttpResult>> ReceiveAsync(
        HttpContext context, AlertIngest ingest, AuditEvaluator evaluator, FalcoHookTelemetry telemetry,
        IOptions<FalcoHookOptions> root, CancellationToken cancellationToken)
    {
        const string endpoint = "k8s_audit";
        if (RequestBody.FormatOf(context.Request) != BodyFormat.Json)
        {
            telemetry.RequestRejected(endpoint, "unsupported_media_type");
            return IngestResults.UnsupportedType(context.Request.ContentType, "application/json");
        }
        var (body, refused) = await ingest.ReadPooledBodyAsync(context, ingest.Options.AuditMaxBodyBytes, "FalcoHook:Ingest:AuditMaxBodyBytes", endpoint, cancellationToken);
        if (body is null) return refused!;
        using var bodyLease = body; // disposed after the batch, which reads the body in place
        using var batch = AuditEventReader.Read(body.Memory);
        if (!batch.Ok)
        {
            telemetry.RequestRejected(endpoint, "invalid");
            return IngestResults.Invalid(batch.Errors, "audit batch");
        }
        // Outputs are rendered here, while the batch's documents are alive; the alerts own their values.
        var alerts = evaluator.Evaluate(batch.Events, root.Value.InstanceName, cancellationToken);
        var accepted = await ingest.AcceptAsync(context, alerts, endpoint, cancellationToken);
        return accepted.Result switch
        {
            Ok<AcceptedAlerts> => TypedResults.Ok(new AuditAccepted(batch.Events.Count, alerts.Count)),
            ProblemHttpResult problem => problem,
            _ => throw new InvalidOperationException("unreachable"),
        };
    }
}

/// <summary>An audit.k8s.io/v1 EventList, for the OpenAPI document only (the endpoint reads the body itself).</summary>
public sealed class AuditEventListDocument
{
    [System.Text.Json.Serialization.JsonPropertyName("apiVersion")] public string ApiVersion { get; init; } = "audit.k8s.io/v1";
    [System.Text.Json.Serialization.JsonPropertyName("kind")] public string Kind { get; init; } = "EventList";

    [System.Text.Json.Serialization.JsonPropertyName("items")]
    public IReadOnlyList<System.Text.Json.JsonElement> Items { get; init; } = [];
}
