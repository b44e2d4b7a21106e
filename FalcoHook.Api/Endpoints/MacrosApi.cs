using System.ComponentModel;
using FalcoHook.Core.Rules.Management;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FalcoHook.Api.Endpoints;

/// <summary><c>/api/v1/macros</c>: the effective macros; create, replace and delete through the managed rules.</summary>
public static class MacrosApi
{
    public static RouteGroupBuilder MapMacros(this IEndpointRouteBuilder routes)
    {
        var group = routes.ManagementGroup("/api/v1/macros", "Macros");
        group.MapGet("/", List).WithName("ListMacros").WithSummary("List the effective macros, optionally those whose name or condition contains text.");
        group.MapGet("/{name}", Get).WithName("GetMacro").WithSummary("Get one macro (with its ETag).").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/", CreateAsync).WithName("CreateMacro").WithSummary("Create a macro in the managed rules.")
            .Writes().ProducesProblem(StatusCodes.Status409Conflict).WithExample(Examples.Macro);
        group.MapPut("/{name}", ReplaceAsync).WithName("ReplaceMacro")
            .WithSummary("Replace a macro's condition: an API macro is rewritten; a file macro gets an override.")
            .Writes().Precondition().WithExample(Examples.Macro);
        group.MapDelete("/{name}", DeleteAsync).WithName("DeleteMacro")
            .WithSummary("Delete an API macro, or remove the API's override of a file macro (409 for a file macro without one).")
            .Writes().Precondition().ProducesProblem(StatusCodes.Status409Conflict);
        return group;
    }

    public static Ok<List<MacroDto>> List(
        [Description("Only macros whose name or condition contains this text (case-insensitive)")] string? text, RuleManagementService service) =>
        TypedResults.Ok(service.View.Macros
            .Where(m => text is null || m.Definition.Name.Contains(text, StringComparison.OrdinalIgnoreCase) ||
                        m.Definition.Condition.Text.Contains(text, StringComparison.OrdinalIgnoreCase))
            .Select(MacroDto.From).ToList());

    public static Results<Ok<MacroDto>, ProblemHttpResult> Get([Description("The macro's name")] string name,
        RuleManagementService service, HttpResponse response)
    {
        name = ItemNames.FromRoute(name);
        var macro = service.View.Macro(name);
        if (macro is null) return RuleManagementApi.NotFound(ItemKind.Macro, name);
        response.Headers.ETag = macro.ETag;
        return TypedResults.Ok(MacroDto.From(macro));
    }

    public static async Task<Results<Created<MacroDto>, ProblemHttpResult>> CreateAsync([Description("The macro")] MacroRequest macro,
        RuleManagementService service, HttpContext http, CancellationToken cancellationToken)
    {
        var result = await service.CreateAsync(ItemKind.Macro, macro.Name!, macro.ToYaml(), RuleManagementApi.Actor(http), cancellationToken);
        return RuleManagementApi.Created(result, "/api/v1/macros", view => Read(view, macro.Name!), http);
    }

    public static async Task<Results<Ok<MacroDto>, ValidationProblem, ProblemHttpResult>> ReplaceAsync(
        [Description("The macro's name")] string name, [Description("The macro's new definition")] MacroRequest macro,
        [FromHeader(Name = "If-Match"), Description("The ETag from GET; 412 when the macro changed since")] string? ifMatch,
        RuleManagementService service, HttpContext http, CancellationToken cancellationToken)
    {
        name = ItemNames.FromRoute(name);
        if (macro.Name != name) return RuleManagementApi.NameMismatch(name);
        var result = await service.ReplaceAsync(ItemKind.Macro, name, macro.ToYaml(), ifMatch, RuleManagementApi.Actor(http), cancellationToken);
        return RuleManagementApi.Replaced(result, view => Read(view, name), http);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync([Description("The macro's name")] string name,
        [FromHeader(Name = "If-Match"), Description("The ETag from GET; 412 when the macro changed since")] string? ifMatch,
        RuleManagementService service, HttpContext http, CancellationToken cancellationToken)
    {
        name = ItemNames.FromRoute(name);
        var result = await service.DeleteAsync(ItemKind.Macro, name, ifMatch, RuleManagementApi.Actor(http), cancellationToken);
        return RuleManagementApi.Deleted(result);
    }

    private static RuleManagementApi.Answer<MacroDto> Read(RulesView view, string name)
    {
        var macro = view.Macro(name)!;
        return new(macro.Definition.Name, macro.ETag, MacroDto.From(macro));
    }
}
