using System.ComponentModel;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Destinations;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FalcoHook.Api.Endpoints;

/// <summary><c>/api/v1/deliveries</c>: pending, delivered and dead deliveries, and sending dead ones again.</summary>
public static class DeliveriesApi
{
    public static RouteGroupBuilder MapDeliveries(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/deliveries").WithTags("Deliveries");

        group.MapGet("/", ListAsync)
            .WithName("ListDeliveries")
            .WithSummary("List deliveries, newest first, filtered by state and destination")
            .ProducesValidationProblem();

        group.MapGet("/{id}", GetAsync)
            .WithName("GetDelivery")
            .WithSummary("One delivery by its id (the webhook-id sent to receivers)");

        group.MapPost("/{id}/retry", RetryAsync)
            .WithName("RetryDelivery")
            .WithSummary("Send a dead delivery again now")
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/retry", RetryAllAsync)
            .WithName("RetryDeadDeliveries")
            .WithSummary("Send every dead delivery (of one destination, if given) again now");

        return group;
    }

    internal static async Task<Results<Ok<DeliveryListDto>, ValidationProblem>> ListAsync(
        [Description("pending, sending, delivered or dead; all states when absent")] string? state,
        [Description("A destination name (a key of FalcoHook:Destinations)")] string? destination,
        [Description("Deliveries to skip (default 0)")] int? offset,
        [Description("Page size, 1 to 500 (default 50)")] int? limit,
        DeliveryService deliveries, DestinationCatalog catalog, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        DeliveryState? filter = null;
        if (!string.IsNullOrEmpty(state))
        {
            if (DeliveryStates.TryParse(state, out var parsed)) filter = parsed;
            else errors["state"] = [$"Unknown state '{state}'; expected pending, sending, delivered or dead."];
        }
        if (offset is < 0) errors["offset"] = ["The offset must not be negative."];
        if (limit is < 1 or > 500) errors["limit"] = ["The limit must be between 1 and 500."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var query = new DeliveryQuery(filter, string.IsNullOrEmpty(destination) ? null : destination, offset ?? 0, limit ?? 50);
        var page = await deliveries.ListAsync(query, cancellationToken);
        return TypedResults.Ok(new DeliveryListDto(page.Items.Select(d => DeliveryDto.From(d, catalog)).ToList(), page.Total, query.Offset, query.Limit));
    }

    internal static async Task<Results<Ok<DeliveryDto>, NotFound>> GetAsync(
        [Description("The delivery id")] string id,
        DeliveryService deliveries, DestinationCatalog catalog, CancellationToken cancellationToken)
    {
        var delivery = await deliveries.GetAsync(id, cancellationToken);
        return delivery is null ? TypedResults.NotFound() : TypedResults.Ok(DeliveryDto.From(delivery, catalog));
    }

    internal static async Task<Results<Ok<DeliveryDto>, NotFound, ProblemHttpResult>> RetryAsync(
        [Description("The id of a dead delivery")] string id,
        DeliveryService deliveries, DestinationCatalog catalog, CancellationToken cancellationToken)
    {
        if (!await deliveries.RetryAsync(id, cancellationToken))
        {
            var existing = await deliveries.GetAsync(id, cancellationToken);
            if (existing is null) return TypedResults.NotFound();
            return TypedResults.Problem(
                detail: $"Delivery {id} is {existing.State.ToStorageString()}; only dead deliveries can be retried.",
                statusCode: StatusCodes.Status409Conflict, title: "Delivery is not dead");
        }
        var delivery = await deliveries.GetAsync(id, cancellationToken);
        return delivery is null ? TypedResults.NotFound() : TypedResults.Ok(DeliveryDto.From(delivery, catalog));
    }

    internal static async Task<Ok<RetriedDto>> RetryAllAsync(
        [Description("Only this destination's dead deliveries; all when absent")] string? destination,
        DeliveryService deliveries, CancellationToken cancellationToken)
    {
        var count = await deliveries.RetryAllAsync(string.IsNullOrEmpty(destination) ? null : destination, cancellationToken);
        return TypedResults.Ok(new RetriedDto(count));
    }
}

/// <summary>A delivery as the API shows it. <see cref="LastError"/> never holds a URL path, routing key or secret.</summary>
public sealed record DeliveryDto(
    string Id, string Destination, string State, int Attempts, DateTimeOffset NextAttemptAt, string? LastError,
    DateTimeOffset Created, DateTimeOffset Updated, string? Rule, string? Priority, string? Fingerprint)
{
    internal static DeliveryDto From(DeliveryRecord record, DestinationCatalog catalog)
    {
        string? rule = null, priority = null, fingerprint = null;
        try
        {
            var notification = NotificationJson.Deserialize(record.NotificationJson);
            rule = notification.Alert.Rule;
            priority = Core.Alerts.Priorities.ToFalcoString(notification.Alert.Priority);
            fingerprint = notification.Fingerprint;
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException or KeyNotFoundException)
        {
        }
        var error = record.LastError;
        if (error is not null) error = Redaction.Scrub(error, catalog.All.Values);
        return new DeliveryDto(record.Id, record.Destination, record.State.ToStorageString(), record.Attempts, record.NextAttemptAt,
            error, record.Created, record.Updated, rule, priority, fingerprint);
    }
}

public sealed record DeliveryListDto(IReadOnlyList<DeliveryDto> Items, long Total, int Offset, int Limit);

public sealed record RetriedDto(int Retried);
