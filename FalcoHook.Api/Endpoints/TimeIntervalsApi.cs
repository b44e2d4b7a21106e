using System.ComponentModel;
using FalcoHook.Core.Pipeline;
using FalcoHook.Core.TimeIntervals;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Endpoints;

/// <summary>
/// <c>/api/v1/time-intervals</c>: named time intervals (Alertmanager's <c>time_intervals</c>) that destinations'
/// <c>MuteTimeIntervals</c> and <c>ActiveTimeIntervals</c> name. Those of <c>FalcoHook:TimeIntervals</c> are listed with
/// origin <c>config</c> and cannot be changed here; those put here are stored durably and apply from the next batch on,
/// on every replica. One still named by a destination cannot be deleted.
/// </summary>
public static class TimeIntervalsApi
{
    private const string What = "Time interval";

    public static RouteGroupBuilder MapTimeIntervals(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/time-intervals").WithTags("Time intervals");

        group.MapGet("/", ListAsync)
            .WithName("ListTimeIntervals")
            .WithSummary("List the time intervals: configuration's (origin config, read-only) and those put through the API.");

        group.MapGet("/{name}", GetAsync)
            .WithName("GetTimeInterval")
            .WithSummary("Get one time interval.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPut("/{name}", PutAsync)
            .WithName("PutTimeInterval")
            .WithSummary("Create or replace a time interval: the name covers an instant when any of its timeIntervals does " +
                         "(each in its location's wall-clock time).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapDelete("/{name}", DeleteAsync)
            .WithName("DeleteTimeInterval")
            .WithSummary("Delete a time interval put through the API; refused while a destination names it.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return group;
    }

    public static async Task<Ok<List<TimeIntervalDto>>> ListAsync(TimeIntervalCatalog catalog, CancellationToken cancellationToken) =>
        TypedResults.Ok((await catalog.ListAsync(cancellationToken)).Select(TimeIntervalDto.From).ToList());

    public static async Task<Results<Ok<TimeIntervalDto>, ProblemHttpResult>> GetAsync(
        [Description("The time interval's name")] string name, TimeIntervalCatalog catalog, CancellationToken cancellationToken) =>
        (await catalog.ListAsync(cancellationToken)).FirstOrDefault(e => e.Name == name) is { } entry
            ? TypedResults.Ok(TimeIntervalDto.From(entry))
            : AlertManagementProblems.NotFound(What, name);

    public static async Task<Results<Created<TimeIntervalDto>, Ok<TimeIntervalDto>, ValidationProblem, ProblemHttpResult>> PutAsync(
        [Description("The time interval's name: a letter or digit, then letters, digits, _ . -")] string name,
        [Description("The intervals, each in the shape of a FalcoHook:TimeIntervals entry")] TimeIntervalRequest request,
        TimeIntervalCatalog catalog, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!AlertManagementProblems.IsValidName(name)) return AlertManagementProblems.InvalidName(name);
        if (catalog.IsConfigured(name)) return AlertManagementProblems.ReadOnly(What, name, $"{TimeIntervalSet.Section}:{name}");
        if (request.TimeIntervals is not { } intervals)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["timeIntervals"] = ["is required (a list; each entry may leave any field out)."] });
        var normalized = intervals.Select(Normalize).ToList();
        var failures = TimeIntervalCatalog.Validate(normalized);
        if (failures.Items.Count > 0) return AlertManagementProblems.From(failures);
        var created = await catalog.PutAsync(name, normalized, time.GetUtcNow(), cancellationToken);
        var dto = TimeIntervalDto.From((await catalog.ListAsync(cancellationToken)).First(e => e.Name == name));
        return created ? TypedResults.Created($"/api/v1/time-intervals/{name}", dto) : TypedResults.Ok(dto);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        [Description("The time interval's name")] string name, TimeIntervalCatalog catalog,
        IOptions<DestinationRoutingOptions> destinations, CancellationToken cancellationToken)
    {
        if (catalog.IsConfigured(name)) return AlertManagementProblems.ReadOnly(What, name, $"{TimeIntervalSet.Section}:{name}");
        var users = destinations.Value.Destinations
            .Where(d => d.Value.MuteTimeIntervals.Contains(name) || d.Value.ActiveTimeIntervals.Contains(name))
            .Select(d => d.Key).Order(StringComparer.Ordinal).ToList();
        if (users.Count > 0)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Time interval in use",
                detail: $"'{name}' is named by destination {string.Join(", ", users.Select(u => $"'{u}'"))} " +
                        "(MuteTimeIntervals or ActiveTimeIntervals); remove it there first.");
        return await catalog.DeleteAsync(name, cancellationToken) ? TypedResults.NoContent() : AlertManagementProblems.NotFound(What, name);
    }

    /// <summary>JSON nulls read as the empty lists configuration would have.</summary>
    private static TimeIntervalOptions Normalize(TimeIntervalOptions? interval) => new()
    {
        Times = [.. (interval?.Times ?? []).Select(t => new TimeRangeOptions { StartTime = t?.StartTime ?? "", EndTime = t?.EndTime ?? "" })],
        Weekdays = interval?.Weekdays ?? [],
        DaysOfMonth = interval?.DaysOfMonth ?? [],
        Months = interval?.Months ?? [],
        Years = interval?.Years ?? [],
        Location = interval?.Location,
    };
}

/// <summary>A time interval to put: any of <see cref="TimeIntervals"/> covering an instant makes the name cover it.</summary>
public sealed record TimeIntervalRequest(
    [property: Description("Entries of times (startTime, endTime as HH:MM), weekdays, daysOfMonth, months, years, location (IANA); " +
                           "an instant is in an entry when it is in every list given")] List<TimeIntervalOptions>? TimeIntervals);

/// <summary>A time interval as listed.</summary>
public sealed record TimeIntervalDto(
    string Name,
    [property: Description("config (FalcoHook:TimeIntervals, read-only here) or api")] string Origin,
    IReadOnlyList<TimeIntervalOptions> TimeIntervals,
    [property: Description("When it was last put through the API; null for configuration's")] DateTimeOffset? UpdatedAt)
{
    public static TimeIntervalDto From(TimeIntervalEntry entry) => new(entry.Name, entry.Origin, entry.Intervals, entry.UpdatedAt);
}
