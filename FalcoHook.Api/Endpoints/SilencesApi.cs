using System.ComponentModel;
using FalcoHook.Core.Silences;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FalcoHook.Api.Endpoints;

/// <summary><c>/api/v1/silences</c>: create, list, get and expire silences (Alertmanager's model).</summary>
public static class SilencesApi
{
    public static RouteGroupBuilder MapSilences(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/silences").WithTags("Silences");

        group.MapPost("/", CreateAsync)
            .WithName("CreateSilence")
            .WithSummary("Create a silence: while active, alerts all its matchers match are counted and not sent.")
            .ProducesValidationProblem();

        group.MapGet("/", ListAsync)
            .WithName("ListSilences")
            .WithSummary("List silences, optionally only those in one state (pending, active, expired).")
            .ProducesValidationProblem();

        group.MapGet("/{id}", GetAsync)
            .WithName("GetSilence")
            .WithSummary("Get one silence.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapDelete("/{id}", ExpireAsync)
            .WithName("DeleteSilence")
            .WithSummary("Expire a silence now (it is kept, as expired, for 120 h).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{id}/expire", ExpireAsync)
            .WithName("ExpireSilence")
            .WithSummary("Expire a silence now (same as DELETE).")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return group;
    }

    public static async Task<Results<Created<SilenceDto>, ValidationProblem>> CreateAsync(
        [Description("The silence to create")] CreateSilenceRequest request,
        IValidator<CreateSilenceRequest> validator, ISilenceStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var validation = await validator.ValidateAsync(request, cancellationToken);
        if (!validation.IsValid) return TypedResults.ValidationProblem(validation.ToDictionary());

        var now = time.GetUtcNow();
        var startsAt = request.StartsAt is { } start && start > now ? start : now;
        var silence = new Silence
        {
            Id = Guid.CreateVersion7(now).ToString(),
            Matchers = request.Matchers!.Select(m => MatcherValidator.TryCreate(m, out var matcher, out _) ? matcher! : throw new System.Diagnostics.UnreachableException()).ToList(),
            StartsAt = startsAt,
            EndsAt = request.EndsAt!.Value,
            CreatedBy = request.CreatedBy!,
            Comment = request.Comment ?? "",
            UpdatedAt = now,
        };
        await store.AddAsync(silence, cancellationToken);
        return TypedResults.Created($"/api/v1/silences/{silence.Id}", SilenceDto.From(silence, now));
    }

    public static async Task<Results<Ok<IReadOnlyList<SilenceDto>>, ValidationProblem>> ListAsync(
        [Description("pending, active or expired; all when absent")] string? state,
        ISilenceStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        SilenceState? wanted = null;
        if (state is not null)
        {
            if (!Enum.TryParse<SilenceState>(state, ignoreCase: true, out var parsed) || !Enum.IsDefined(parsed))
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["state"] = ["Expected pending, active or expired."] });
            wanted = parsed;
        }
        var now = time.GetUtcNow();
        IReadOnlyList<SilenceDto> silences = (await store.ListAsync(cancellationToken))
            .Where(s => wanted is null || s.StateAt(now) == wanted)
            .Select(s => SilenceDto.From(s, now))
            .ToList();
        return TypedResults.Ok(silences);
    }

    public static async Task<Results<Ok<SilenceDto>, ProblemHttpResult>> GetAsync(
        [Description("The silence's id")] string id, ISilenceStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var silence = await store.GetAsync(id, cancellationToken);
        return silence is null ? NotFound(id) : TypedResults.Ok(SilenceDto.From(silence, time.GetUtcNow()));
    }

    public static async Task<Results<Ok<SilenceDto>, ProblemHttpResult>> ExpireAsync(
        [Description("The silence's id")] string id, ISilenceStore store, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var silence = await store.ExpireAsync(id, now, cancellationToken);
        return silence is null ? NotFound(id) : TypedResults.Ok(SilenceDto.From(silence, now));
    }

    private static ProblemHttpResult NotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Silence not found",
            detail: $"There is no silence with id '{id}'.");
}
