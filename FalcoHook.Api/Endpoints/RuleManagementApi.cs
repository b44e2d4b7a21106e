using FalcoHook.Api.Auth;
using FalcoHook.Core.Rules.Management;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FalcoHook.Api.Endpoints;

/// <summary>
/// Rule management under <c>/api/v1</c>: <c>/rules</c>, <c>/macros</c>, <c>/lists</c> (see docs/RULES_API.md).
/// Reads need the <c>read</c> role, changes <c>write</c>; bodies are validated by <see cref="ValidationFilter"/>.
/// </summary>
public static class RuleManagementApi
{
    public static IEndpointRouteBuilder MapRuleManagement(this IEndpointRouteBuilder routes)
    {
        routes.MapRules();
        routes.MapMacros();
        routes.MapLists();
        return routes;
    }

    /// <summary>Who made a change, for the history: the API key's name, or <c>anonymous</c>.</summary>
    internal static string Actor(HttpContext http) =>
        http.User.Identity is { IsAuthenticated: true, Name: { Length: > 0 } name } ? name : "anonymous";

    /// <summary>The problem for a refused change: 404, 409, 412, or 422 with every diagnostic (<c>diagnostics</c>).</summary>
    internal static ProblemHttpResult Problem(ChangeResult result) => result.Status switch
    {
        ChangeStatus.NotFound => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: result.Message),
        ChangeStatus.Conflict => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: result.Message),
        ChangeStatus.PreconditionFailed => TypedResults.Problem(statusCode: StatusCodes.Status412PreconditionFailed,
            title: "Precondition failed", detail: $"If-Match does not match: {result.Message} GET it again and retry."),
        _ => Unprocessable(result.Message ?? "The change does not compile.", result.Diagnostics ?? []),
    };

    internal static ProblemHttpResult Unprocessable(string detail, IReadOnlyList<Core.Rules.RuleDiagnostic> diagnostics) =>
        TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The rules do not compile",
            detail: detail + (diagnostics.Any(d => d.IsError) ? " " + string.Join("; ", diagnostics.Where(d => d.IsError).Take(5)) : ""),
            extensions: new Dictionary<string, object?>
            {
                ["diagnostics"] = diagnostics.Select(DiagnosticDto.From).ToList(),
            });

    internal static ProblemHttpResult NotFound(ItemKind kind, string name) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Not found", detail: $"There is no {kind.Key()} named '{name}'.");

    /// <summary>What a change answers with: the item's name, its ETag (sent as the <c>ETag</c> header) and its DTO.</summary>
    internal sealed record Answer<TDto>(string Name, string ETag, TDto Dto);

    /// <summary>201 at <paramref name="collection"/>/name with the created item read from the new view, or the refusal's problem.</summary>
    internal static Results<Created<TDto>, ProblemHttpResult> Created<TDto>(ChangeResult result, string collection,
        Func<RulesView, Answer<TDto>> read, HttpContext http)
    {
        if (result.Status != ChangeStatus.Applied) return Problem(result);
        var item = read(result.View);
        http.Response.Headers.ETag = item.ETag;
        return TypedResults.Created($"{collection}/{Uri.EscapeDataString(item.Name)}", item.Dto);
    }

    /// <summary>200 with the replaced item read from the new view, or the refusal's problem.</summary>
    internal static Results<Ok<TDto>, ValidationProblem, ProblemHttpResult> Replaced<TDto>(ChangeResult result, Func<RulesView, Answer<TDto>> read, HttpContext http)
    {
        if (result.Status != ChangeStatus.Applied) return Problem(result);
        var item = read(result.View);
        http.Response.Headers.ETag = item.ETag;
        return TypedResults.Ok(item.Dto);
    }

    /// <summary>204, or the refusal's problem.</summary>
    internal static Results<NoContent, ProblemHttpResult> Deleted(ChangeResult result) =>
        result.Status == ChangeStatus.Applied ? TypedResults.NoContent() : Problem(result);

    internal static ValidationProblem NameMismatch(string name) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["name"] = [$"name must be '{name}', the name in the path."] });

    /// <summary>The endpoints of a management group: tags, the read/write policy by method, validation, problem responses.</summary>
    internal static RouteGroupBuilder ManagementGroup(this IEndpointRouteBuilder routes, string prefix, string tag)
    {
        var group = routes.MapGroup(prefix).WithTags(tag);
        group.AddEndpointFilterFactory(ValidationFilter.Create);
        group.RequireApiKeyRoles();
        group.ProducesProblem(StatusCodes.Status401Unauthorized);
        return group;
    }

    internal static RouteHandlerBuilder Writes(this RouteHandlerBuilder endpoint) => endpoint
        .ProducesProblem(StatusCodes.Status403Forbidden)
        .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

    internal static RouteHandlerBuilder Precondition(this RouteHandlerBuilder endpoint) => endpoint
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status412PreconditionFailed);
}
