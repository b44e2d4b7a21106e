using System.ComponentModel;
using System.Text;
using System.Text.Json;
using FalcoHook.Api.Auth;
using FalcoHook.Api.Rules;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Fields;
using FalcoHook.Core.Fields.K8sAudit;
using FalcoHook.Core.K8sAudit;
using FalcoHook.Core.Rules;
using FalcoHook.Core.Rules.Engine;
using FalcoHook.Core.Rules.Management;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FalcoHook.Api.Endpoints;

/// <summary>
/// <c>/api/v1/rules</c>: the rules of the effective rule set (files, then managed rules), and the rule set as a
/// whole: validate, dry-run test, export, import, history. The literal paths (validate, test, export, import,
/// history) take precedence over a rule of the same name.
/// </summary>
public static partial class RulesApi
{
    private const string K8sAudit = K8sAuditFieldProvider.SourceName;
    private const string FalcoAlertSource = FalcoAlertFieldProvider.SourceName;

    public static RouteGroupBuilder MapRules(this IEndpointRouteBuilder routes)
    {
        var group = routes.ManagementGroup("/api/v1/rules", "Rules");

        group.MapGet("/", List).WithName("ListRules")
            .WithSummary("List the effective rules in load order, optionally filtered by source, tag, enabled and text.");
        group.MapGet("/{name}", Get).WithName("GetRule")
            .WithSummary("Get one rule (with its ETag).").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/", CreateAsync).WithName("CreateRule")
            .WithSummary("Create a rule in the managed rules (compiled before it applies).").Writes()
            .ProducesProblem(StatusCodes.Status409Conflict).WithExample(Examples.Rule);
        group.MapPut("/{name}", ReplaceAsync).WithName("ReplaceRule")
            .WithSummary("Replace a rule: an API rule is rewritten; a file rule gets an override in the managed rules.")
            .Writes().Precondition().WithExample(Examples.Rule);
        group.MapDelete("/{name}", DeleteAsync).WithName("DeleteRule")
            .WithSummary("Delete an API rule, or remove the API's override of a file rule (409 for a file rule without one).")
            .Writes().Precondition().ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{name}/enable", EnableAsync)
            .WithName("EnableRule").WithSummary("Enable a rule (for a file rule: an override: {enabled: replace} item).").Writes().Precondition();
        group.MapPost("/{name}/disable", DisableAsync)
            .WithName("DisableRule").WithSummary("Disable a rule (for a file rule: an override: {enabled: replace} item).").Writes().Precondition();

        group.MapPost("/validate", Validate).WithName("ValidateRules")
            .WithSummary("Check a YAML rules document or one item against the effective rules: errors and warnings with positions; nothing changes.")
            .RequireRead().RequireRateLimiting(RulesToolsLimiter.Policy)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithExample(Examples.Validate);
        group.MapPost("/test", Test).WithName("TestRules")
            .WithSummary("Dry run: the rules an audit event or Falco alert matches, in order, with their alerts; optionally with a candidate rules document.")
            .RequireRead().RequireRateLimiting(RulesToolsLimiter.Policy)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status503ServiceUnavailable)
            .WithExample(Examples.Test);
        group.MapGet("/export", Export).WithName("ExportRules")
            .WithSummary("The effective rule set as YAML (every rules file, then the managed rules), or only the managed rules (scope=managed, with its ETag).")
            .Produces<string>(StatusCodes.Status200OK, "application/yaml");
        group.MapPost("/import", ImportAsync).WithName("ImportRules")
            .WithSummary("Replace the managed rules with a whole YAML document (compiled before it applies; If-Match: the managed ETag).")
            .Writes().ProducesProblem(StatusCodes.Status412PreconditionFailed).WithExample(Examples.Import);
        group.MapGet("/history", HistoryAsync).WithName("RuleHistory")
            .WithSummary("The history of changes to rules, macros and lists (who, when, what, before and after), newest first.");
        return group;
    }

    public static Ok<List<RuleDto>> List(
        [Description("Only rules of this source (k8s_audit, falco_alert, syscall, ...)")] string? source,
        [Description("Only rules with this tag")] string? tag,
        [Description("Only enabled (true) or disabled (false) rules")] bool? enabled,
        [Description("Only rules whose name, description, condition or output contains this text (case-insensitive)")] string? text,
        RuleManagementService service) =>
        TypedResults.Ok(service.View.Rules
            .Where(r => source is null || r.Definition.Source == source)
            .Where(r => tag is null || r.Definition.Tags.Contains(tag))
            .Where(r => enabled is null || r.Definition.Enabled == enabled)
            .Where(r => text is null || new[] { r.Definition.Name, r.Definition.Description, r.Definition.Condition.Text, r.Definition.Output.Text }
                .Any(s => s.Contains(text, StringComparison.OrdinalIgnoreCase)))
            .Select(RuleDto.From).ToList());

    public static Results<Ok<RuleDto>, ProblemHttpResult> Get([Description("The rule's name")] string name,
        RuleManagementService service, HttpResponse response)
    {
        name = ItemNames.FromRoute(name);
        var rule = service.View.Rule(name);
        if (rule is null) return RuleManagementApi.NotFound(ItemKind.Rule, name);
        response.Headers.ETag = rule.ETag;
        return TypedResults.Ok(RuleDto.From(rule));
    }

    public static async Task<Results<Created<RuleDto>, ProblemHttpResult>> CreateAsync(
        [Description("The rule")] RuleRequest rule, RuleManagementService service, HttpContext http, CancellationToken cancellationToken)
    {
        var request = rule.ForCreate();
        var result = await service.CreateAsync(ItemKind.Rule, request.Name!, request.ToYaml(), RuleManagementApi.Actor(http), cancellationToken);
        return RuleManagementApi.Created(result, "/api/v1/rules", view => Read(view, request.Name!), http);
    }

    public static async Task<Results<Ok<RuleDto>, ValidationProblem, ProblemHttpResult>> ReplaceAsync(
        [Description("The rule's name")] string name, [Description("The rule's new definition")] RuleRequest rule,
        [FromHeader(Name = "If-Match"), Description("The ETag from GET; 412 when the rule changed since")] string? ifMatch,
        RuleManagementService service, HttpContext http, CancellationToken cancellationToken)
    {
        name = ItemNames.FromRoute(name);
        if (rule.Name != name) return RuleManagementApi.NameMismatch(name);
        var existing = service.View.Rule(name);
        // Absent source and enabled keep the current ones (a PUT does not silently re-enable a disabled rule).
        var request = existing is null ? rule : rule with
        {
            Source = rule.Source ?? (existing.Origin.IsFile ? null : existing.Definition.Source),
            Enabled = rule.Enabled ?? existing.Definition.Enabled,
        };
        var result = await service.ReplaceAsync(ItemKind.Rule, name, request.ToYaml(), ifMatch, RuleManagementApi.Actor(http), cancellationToken);
        return RuleManagementApi.Replaced(result, view => Read(view, name), http);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync([Description("The rule's name")] string name,
        [FromHeader(Name = "If-Match"), Description("The ETag from GET; 412 when the rule changed since")] string? ifMatch,
        RuleManagementService service, HttpContext http, CancellationToken cancellationToken)
    {
        name = ItemNames.FromRoute(name);
        var result = await service.DeleteAsync(ItemKind.Rule, name, ifMatch, RuleManagementApi.Actor(http), cancellationToken);
        return RuleManagementApi.Deleted(result);
    }

    public static Task<Results<Ok<RuleDto>, ProblemHttpResult>> EnableAsync([Description("The rule's name")] string name,
        [FromHeader(Name = "If-Match"), Description("The ETag from GET; 412 when the rule changed since")] string? ifMatch,
        RuleManagementService service, HttpContext http, CancellationToken cancellationToken) =>
        SetEnabledAsync(ItemNames.FromRoute(name), true, ifMatch, service, http, cancellationToken);

    public static Task<Results<Ok<RuleDto>, ProblemHttpResult>> DisableAsync([Description("The rule's name")] string name,
        [FromHeader(Name = "If-Match"), Description("The ETag from GET; 412 when the rule changed since")] string? ifMatch,
        RuleManagementService service, HttpContext http, CancellationToken cancellationToken) =>
        SetEnabledAsync(ItemNames.FromRoute(name), false, ifMatch, service, http, cancellationToken);

    private static async Task<Results<Ok<RuleDto>, ProblemHttpResult>> SetEnabledAsync(string name, bool enabled, string? ifMatch,
        RuleManagementService service, HttpContext http, CancellationToken cancellationToken)
    {
        var result = await service.SetEnabledAsync(name, enabled, ifMatch, RuleManagementApi.Actor(http), cancellationToken);
        if (result.Status != ChangeStatus.Applied) return RuleManagementApi.Problem(result);
        var view = result.View.Rule(name)!;
        http.Response.Headers.ETag = view.ETag;
        return TypedResults.Ok(RuleDto.From(view));
    }

    private static RuleManagementApi.Answer<RuleDto> Read(RulesView view, string name)
    {
        var rule = view.Rule(name)!;
        return new(rule.Definition.Name, rule.ETag, RuleDto.From(rule));
    }
}
