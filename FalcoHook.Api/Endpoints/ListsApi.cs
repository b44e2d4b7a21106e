using System.ComponentModel;
using FalcoHook.Core.Rules.Management;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FalcoHook.Api.Endpoints;

/// <summary><c>/api/v1/lists</c>: the effective lists; create, replace and delete through the managed rules.</summary>
public static class ListsApi
{
    public static RouteGroupBuilder MapLists(this IEndpointRouteBuilder routes)
    {
        var group = routes.ManagementGroup("/api/v1/lists", "Lists");
        group.MapGet("/", List).WithName("ListLists").WithSummary("List the effective lists, optionally those whose name or an item contains text.");
        group.MapGet("/{name}", Get).WithName("GetList").WithSummary("Get one list (with its ETag).").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/", CreateAsync).WithName("CreateList").WithSummary("Create a list in the managed rules.")
            .Writes().ProducesProblem(StatusCodes.Status409Conflict).WithExample(Examples.List);
        group.MapPut("/{name}", ReplaceAsync).WithName("ReplaceList")
            .WithSummary("Replace a list's items: an API list is rewritten; a file list gets an override.")
            .Writes().Precondition().WithExample(Examples.List);
        group.MapDelete("/{name}", DeleteAsync).WithName("DeleteList")
            .WithSummary("Delete an API list, or remove the API's override of a file list (409 for a file list without one).")
            .Writes().Precondition().ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    public static Ok<List<ListDto>> List(
        [Description("Only lists whose name or an item contains this text (case-insensitive)")] string? text, RuleManagementService service) =>
        TypedResults.Ok(service.View.Lists
            .Where(l => text is null || l.Definition.Name.Contains(text, StringComparison.OrdinalIgnoreCase) ||
                        l.Definition.Items.Any(i => i.Contains(text, StringComparison.OrdinalIgnoreCase)))
            .Select(ListDto.From).ToList());

    public static Results<Ok<ListDto>, ProblemHttpResult> Get([Description("The list's name")] string name,
        RuleManagementService service, HttpResponse response)
    {
        name = ItemNames.FromRoute(name);
        var list = service.View.List(name);
        if (list is null) return RuleManagementApi.NotFound(ItemKind.List, name);
        response.Headers.ETag = list.ETag;
        return TypedResults.Ok(ListDto.From(list));
    }

    public static async Task<Results<Created<ListDto>, ProblemHttpResult>> CreateAsync([Description("The list")] ListRequest list,
        RuleManagementService service, HttpContext http, CancellationToken cancellationToken)
    {
        var result = await service.CreateAsync(ItemKind.List, list.Name!, list.ToYaml(), RuleManagementApi.Actor(http), cancellationToken);
        return RuleManagementApi.Created(result, "/api/v1/lists", view => Read(view, list.Name!), http);
    }

    public static async Task<Results<Ok<ListDto>, ValidationProblem, ProblemHttpResult>> ReplaceAsync(
        [Description("The list's name")] string name, [Description("The list's new definition")] ListRequest list,
        [FromHeader(Name = "If-Match"), Description("The ETag from GET; 412 when the list changed since")] string? ifMatch,
        RuleManagementService service, HttpContext http, CancellationToken cancellationToken)
    {
        name = ItemNames.FromRoute(name);
        if (list.Name != name) return RuleManagementApi.NameMismatch(name);
        var result = await service.ReplaceAsync(ItemKind.List, name, list.ToYaml(), ifMatch, RuleManagementApi.Actor(http), cancellationToken);
        return RuleManagementApi.Replaced(result, view => Read(view, name), http);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync([Description("The list's name")] string name,
        [FromHeader(Name = "If-Match"), Description("The ETag from GET; 412 when the list changed since")] string? ifMatch,
        RuleManagementService service, HttpContext http, CancellationToken cancellationToken)
    {
        name = ItemNames.FromRoute(name);
        var result = await service.DeleteAsync(ItemKind.List, name, ifMatch, RuleManagementApi.Actor(http), cancellationToken);
        return RuleManagementApi.Deleted(result);
    }

    private static RuleManagementApi.Answer<ListDto> Read(RulesView view, string name)
    {
        var list = view.List(name)!;
        return new(list.Definition.Name, list.ETag, ListDto.From(list));
    }
}
