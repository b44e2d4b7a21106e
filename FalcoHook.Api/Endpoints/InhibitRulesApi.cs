using System.ComponentModel;
using FalcoHook.Core.Inhibition;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FalcoHook.Api.Endpoints;

/// <summary>
/// <c>/api/v1/inhibit-rules</c>: inhibition rules by name. Those of <c>FalcoHook:Pipeline:Inhibit</c> are listed with
/// origin <c>config</c> (named <c>config-0</c>…) and cannot be changed here; those put here are stored durably and apply
/// from the next batch on, on every replica.
/// </summary>
public static class InhibitRulesApi
{
    private const string What = "Inhibition rule";

    public static RouteGroupBuilder MapInhibitRules(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/inhibit-rules").WithTags("Inhibition rules");

        group.MapGet("/", ListAsync)
            .WithName("ListInhibitRules")
            .WithSummary("List the inhibition rules: configuration's (origin config, read-only) and those put through the API.");

        group.MapGet("/{name}", GetAsync)
            .WithName("GetInhibitRule")
            .WithSummary("Get one inhibition rule.")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPut("/{name}", PutAsync)
            .WithName("PutInhibitRule")
            .WithSummary("Create or replace an inhibition rule: while an alert matching its sourceMatchers was seen within its " +
                         "duration, alerts matching its targetMatchers with the same equal labels are not sent.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapDelete("/{name}", DeleteAsync)
            .WithName("DeleteInhibitRule")
            .WithSummary("Delete an inhibition rule put through the API; the alerts it held back stay held.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        return group;
    }

    public static async Task<Ok<List<InhibitRuleDto>>> ListAsync(InhibitRuleCatalog catalog, CancellationToken cancellationToken)
    {
        await catalog.EnsureLoadedAsync(cancellationToken);
        return TypedResults.Ok(catalog.Current.Entries.Select(InhibitRuleDto.From).ToList());
    }

    public static async Task<Results<Ok<InhibitRuleDto>, ProblemHttpResult>> GetAsync(
        [Description("The rule's name")] string name, InhibitRuleCatalog catalog, CancellationToken cancellationToken)
    {
        await catalog.EnsureLoadedAsync(cancellationToken);
        return catalog.Current.Entries.FirstOrDefault(e => e.Name == name) is { } entry
            ? TypedResults.Ok(InhibitRuleDto.From(entry))
            : AlertManagementProblems.NotFound(What, name);
    }

    public static async Task<Results<Created<InhibitRuleDto>, Ok<InhibitRuleDto>, ValidationProblem, ProblemHttpResult>> PutAsync(
        [Description("The rule's name: a letter or digit, then letters, digits, _ . -")] string name,
        [Description("The rule, in the shape of a FalcoHook:Pipeline:Inhibit entry")] InhibitRuleRequest request,
        InhibitRuleCatalog catalog, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!AlertManagementProblems.IsValidName(name)) return AlertManagementProblems.InvalidName(name);
        if (InhibitRuleCatalog.IsConfigName(name)) return AlertManagementProblems.ReadOnly(What, name, "FalcoHook:Pipeline:Inhibit");
        var rule = request.ToOptions();
        var failures = InhibitRuleCatalog.Validate(rule);
        if (failures.Items.Count > 0) return AlertManagementProblems.From(failures);
        var created = await catalog.PutAsync(name, rule, time.GetUtcNow(), cancellationToken);
        var dto = InhibitRuleDto.From(catalog.Current.Entries.First(e => e.Name == name));
        return created ? TypedResults.Created($"/api/v1/inhibit-rules/{name}", dto) : TypedResults.Ok(dto);
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        [Description("The rule's name")] string name, InhibitRuleCatalog catalog, CancellationToken cancellationToken)
    {
        if (InhibitRuleCatalog.IsConfigName(name)) return AlertManagementProblems.ReadOnly(What, name, "FalcoHook:Pipeline:Inhibit");
        return await catalog.DeleteAsync(name, cancellationToken) ? TypedResults.NoContent() : AlertManagementProblems.NotFound(What, name);
    }
}

/// <summary>An inhibition rule to put: the shape of a <c>FalcoHook:Pipeline:Inhibit</c> entry.</summary>
public sealed record InhibitRuleRequest(
    [property: Description("Matchers in Alertmanager's syntax (alertname=\"Container escape\"); all must match the source alert")] List<string>? SourceMatchers,
    [property: Description("Matchers all of which the alerts to hold back match")] List<string>? TargetMatchers,
    [property: Description("Labels (hostname) or Falco fields (k8s.pod.name) that must be equal on source and target")] List<string>? Equal,
    [property: Description("How long a source alert inhibits after it was seen, as 00:10:00; default 00:05:00")] TimeSpan? Duration)
{
    public InhibitRuleOptions ToOptions()
    {
        var rule = new InhibitRuleOptions { SourceMatchers = SourceMatchers ?? [], TargetMatchers = TargetMatchers ?? [], Equal = Equal ?? [] };
        if (Duration is { } duration) rule.Duration = duration;
        return rule;
    }
}

/// <summary>An inhibition rule as listed.</summary>
public sealed record InhibitRuleDto(
    string Name,
    [property: Description("config (FalcoHook:Pipeline:Inhibit, read-only here) or api")] string Origin,
    IReadOnlyList<string> SourceMatchers,
    IReadOnlyList<string> TargetMatchers,
    IReadOnlyList<string> Equal,
    TimeSpan Duration,
    [property: Description("When it was last put through the API; null for configuration's")] DateTimeOffset? UpdatedAt)
{
    public static InhibitRuleDto From(InhibitRuleEntry entry) => new(entry.Name, entry.Origin, entry.Options.SourceMatchers,
        entry.Options.TargetMatchers, entry.Options.Equal, entry.Options.Duration, entry.UpdatedAt);
}
