using System.ComponentModel;
using FalcoHook.Core.Ingest;
using FalcoHook.Core.Storage;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FalcoHook.Api.Endpoints;

/// <summary><c>/api/v1/inbox/dead</c>: alerts the pipeline could not take (unreadable, or failing again and again), and handing one over again.</summary>
public static class InboxApi
{
    public static RouteGroupBuilder MapInbox(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/inbox").WithTags("Inbox");

        group.MapGet("/dead", ListDeadAsync)
            .WithName("ListDeadInbox")
            .WithSummary("Alerts set aside in inbox_dead, oldest first, with the error and the attempts")
            .ProducesValidationProblem();

        group.MapPost("/dead/{id}/retry", RetryDeadAsync)
            .WithName("RetryDeadInboxAlert")
            .WithSummary("Hand an alert of inbox_dead to the pipeline again (it goes first)")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return group;
    }

    internal static async Task<Results<Ok<IReadOnlyList<DeadInboxDto>>, ValidationProblem>> ListDeadAsync(
        [Description("At most this many, 1 to 500 (default 50)")] int? limit,
        DeadInboxService inbox, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > 500)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["The limit must be between 1 and 500."] });
        IReadOnlyList<DeadInboxDto> dead = (await inbox.ListAsync(limit ?? 50, cancellationToken)).Select(DeadInboxDto.From).ToList();
        return TypedResults.Ok(dead);
    }

    internal static async Task<Results<Accepted, ProblemHttpResult>> RetryDeadAsync(
        [Description("The dead row's id")] long id, DeadInboxService inbox, CancellationToken cancellationToken) =>
        await inbox.RetryAsync(id, cancellationToken)
            ? TypedResults.Accepted((string?)null)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not in inbox_dead",
                detail: $"There is no alert with id {id} in inbox_dead.");
}

/// <summary>An alert set aside: <see cref="Alert"/> is the row as stored (Falco's alert JSON, or what no longer parses).</summary>
public sealed record DeadInboxDto(long Id, DateTimeOffset Received, string Alert, string Error, int Attempts, DateTimeOffset DeadAt)
{
    internal static DeadInboxDto From(DeadInboxEntry entry) => new(entry.Id, entry.Received, entry.Json, entry.Error, entry.Attempts, entry.DeadAt);
}
