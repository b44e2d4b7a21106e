using System.ComponentModel;
using System.Text;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Configuration;
using FalcoHook.Core.K8sAudit;
using FalcoHook.Core.Rules;
using FalcoHook.Core.Rules.Engine;
using FalcoHook.Core.Rules.Management;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Endpoints;

/// <summary>The rule set as a whole: validate, dry-run test, export, import and history.</summary>
public static partial class RulesApi
{
    public static Results<Ok<ValidationReportDto>, ProblemHttpResult> Validate(
        [Description("A YAML document, or one rule, macro or list")] ValidateRequest request,
        RuleManagementService service, IOptions<RulesOptions> options, TimeProvider time, HttpContext http)
    {
        using var budget = new ToolsBudget(options.Value.ToolsTimeout, time, http.RequestAborted);
        try
        {
            var token = budget.Token;
            IReadOnlyList<RuleDiagnostic> diagnostics =
                request.Yaml is not null ? service.CompileWith(request.Yaml, token).Diagnostics
                : request.Rule is not null ? service.ValidateItem(ItemKind.Rule, request.Rule.Name!,
                    (service.View.Rule(request.Rule.Name!) is null ? request.Rule.ForCreate() : request.Rule).ToYaml(), token)
                : request.Macro is not null ? service.ValidateItem(ItemKind.Macro, request.Macro.Name!, request.Macro.ToYaml(), token)
                : service.ValidateItem(ItemKind.List, request.List!.Name!, request.List.ToYaml(), token);
            return TypedResults.Ok(ValidationReportDto.From(diagnostics));
        }
        catch (OperationCanceledException) when (budget.Exceeded)
        {
            return budget.Problem("validate");
        }
    }

    /// <summary>An object with <c>auditID</c> is an audit event; one with <c>rule</c> and <c>priority</c> a Falco alert.</summary>
    public static string? InferSource(JsonElement evt) =>
        evt.ValueKind != JsonValueKind.Object ? null
        : evt.TryGetProperty("auditID", out _) ? K8sAudit
        : evt.TryGetProperty("rule", out _) && evt.TryGetProperty("priority", out _) ? FalcoAlertSource
        : null;

    public static Results<Ok<TestResultDto>, ValidationProblem, ProblemHttpResult> Test(
        [Description("The event, and optionally a source, a candidate rules document and the matching mode")] TestRequest request,
        RuleManagementService service, RuleSetHolder holder, IOptions<FalcoHookOptions> root, IOptions<RulesOptions> options,
        TimeProvider time, HttpContext http)
    {
        using var budget = new ToolsBudget(options.Value.ToolsTimeout, time, http.RequestAborted);
        try
        {
            return RunTest(request, service, holder, root, budget.Token);
        }
        catch (OperationCanceledException) when (budget.Exceeded)
        {
            return budget.Problem("test");
        }
    }

    private static Results<Ok<TestResultDto>, ValidationProblem, ProblemHttpResult> RunTest(TestRequest request,
        RuleManagementService service, RuleSetHolder holder, IOptions<FalcoHookOptions> root, CancellationToken cancellationToken)
    {
        var source = request.Source ?? InferSource(request.Event!.Value)!;
        var set = service.CompileWith(request.Rules, cancellationToken);
        if (set.HasErrors) return RuleManagementApi.Unprocessable("The candidate rules do not compile.", set.Diagnostics);
        var matching = request.Matching switch { "all" => RuleMatching.All, "first" => RuleMatching.First, _ => holder.Matching };
        var hostname = root.Value.InstanceName;
        var matches = new List<TestMatchDto>();
        if (source == K8sAudit)
        {
            using var read = AuditEventReader.Read(Encoding.UTF8.GetBytes(request.Event!.Value.GetRawText()));
            if (!read.Ok) return EventProblem(read.Errors);
            foreach (var evt in read.Events) matches.AddRange(Evaluate(set, source, evt, matching, hostname, cancellationToken));
        }
        else
        {
            var errors = new List<AlertError>();
            var alert = AlertReader.FromElement(request.Event!.Value, "", errors);
            if (alert is null) return EventProblem(errors);
            matches.AddRange(Evaluate(set, source, alert, matching, hostname, cancellationToken));
        }
        return TypedResults.Ok(new TestResultDto(source, matching == RuleMatching.All ? "all" : "first", matches,
            set.Diagnostics.Where(d => !d.IsError).Select(DiagnosticDto.From).ToList()));
    }

    private static IEnumerable<TestMatchDto> Evaluate(RuleSet set, string source, object evt, RuleMatching matching, string hostname,
        CancellationToken cancellationToken)
    {
        foreach (var rule in set.Evaluate(source, evt, matching, cancellationToken))
        {
            using var json = JsonDocument.Parse(rule.CreateAlert(evt, hostname).ToJsonBytes());
            yield return new TestMatchDto(rule.Name, rule.Priority.ToFalcoString(), json.RootElement.Clone());
        }
    }

    /// <summary>
    /// The work budget of one tools request (<c>FalcoHook:Rules:ToolsTimeout</c>, on <see cref="TimeProvider"/>):
    /// its token is cancelled when the budget runs out or the client goes away.
    /// </summary>
    private sealed class ToolsBudget : IDisposable
    {
        private readonly TimeSpan _timeout;
        private readonly CancellationTokenSource _timer;
        private readonly CancellationTokenSource _linked;

        public ToolsBudget(TimeSpan timeout, TimeProvider time, CancellationToken aborted)
        {
            _timeout = timeout;
            _timer = new CancellationTokenSource(timeout, time);
            _linked = CancellationTokenSource.CreateLinkedTokenSource(_timer.Token, aborted);
        }

        public CancellationToken Token => _linked.Token;

        public bool Exceeded => _timer.IsCancellationRequested;

        public ProblemHttpResult Problem(string tool) => TypedResults.Problem(
            statusCode: StatusCodes.Status422UnprocessableEntity,
            title: "The work budget was exceeded.",
            detail: $"{tool} stopped after its budget of {_timeout:c} ({RulesOptions.Section}:ToolsTimeout); nothing was changed. " +
                    "Send a smaller document, or validate it offline with `falcohook validate`.",
            type: "https://falcohook.dev/problems/rules-tools-budget-exceeded");

        public void Dispose()
        {
            _linked.Dispose();
            _timer.Dispose();
        }
    }

    private static ValidationProblem EventProblem(IReadOnlyList<AlertError> errors) => TypedResults.ValidationProblem(errors
        .GroupBy(e => string.IsNullOrEmpty(e.Field) || e.Field == "body" ? "event" : "event." + e.Field)
        .ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()));

    public static Results<ContentHttpResult, ValidationProblem> Export(
        [Description("effective (default): every rules file then the managed rules, as a multi-document YAML that loads to the same set; managed: the managed rules only (what import replaces)")] string? scope,
        RuleManagementService service, HttpResponse response)
    {
        var view = service.View;
        if (scope is "managed")
        {
            response.Headers.ETag = view.DocumentETag;
            return TypedResults.Text(view.Managed.ToYaml(), "application/yaml", Encoding.UTF8);
        }
        if (scope is not (null or "effective"))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["scope"] = ["scope must be effective or managed."] });
        var yaml = new StringBuilder();
        foreach (var file in view.Files)
        {
            yaml.Append("--- # ").Append(file.Name).Append('\n').Append(file.Text);
            if (!file.Text.EndsWith('\n')) yaml.Append('\n');
        }
        if (view.Managed.Items.Count > 0) yaml.Append("--- # ").Append(ManagedDocument.FileName).Append('\n').Append(view.Managed.ToYaml());
        return TypedResults.Text(yaml.ToString(), "application/yaml", Encoding.UTF8);
    }

    public static async Task<Results<Ok<ValidationReportDto>, ProblemHttpResult>> ImportAsync(
        [Description("The managed rules document")] ImportRequest request,
        [FromHeader(Name = "If-Match"), Description("The managed rules' ETag (export?scope=managed); 412 when they changed since")] string? ifMatch,
        RuleManagementService service, HttpContext http, CancellationToken cancellationToken)
    {
        var result = await service.ImportAsync(request.Yaml!, ifMatch, RuleManagementApi.Actor(http), cancellationToken);
        if (result.Status != ChangeStatus.Applied) return RuleManagementApi.Problem(result);
        http.Response.Headers.ETag = result.View.DocumentETag;
        return TypedResults.Ok(ValidationReportDto.From(result.Diagnostics ?? []));
    }

    public static async Task<Results<Ok<List<RuleChangeDto>>, ValidationProblem>> HistoryAsync(
        [Description("Only changes of this kind: rule, macro or list")] string? kind,
        [Description("Only changes of the item with this name")] string? name,
        [Description("At most this many (1-1000, default 100)")] int? limit,
        RuleManagementService service, CancellationToken cancellationToken)
    {
        ItemKind? itemKind = null;
        if (kind is not null)
        {
            itemKind = ItemKinds.FromKey(kind);
            if (itemKind is null) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["kind"] = ["kind must be rule, macro or list."] });
        }
        if (limit is < 1 or > 1000) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit must be between 1 and 1000."] });
        var changes = await service.HistoryAsync(itemKind, name, limit ?? 100, cancellationToken);
        return TypedResults.Ok(changes.Select(RuleChangeDto.From).ToList());
    }
}
