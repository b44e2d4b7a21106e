using System.Text.Json;
using System.Text.RegularExpressions;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Fields;
using FalcoHook.Core.Fields.K8sAudit;
using FalcoHook.Core.Rules.Management;
using FluentValidation;

namespace FalcoHook.Api.Endpoints;

/// <summary>Property names are the JSON names (<c>condition</c>, <c>rule.priority</c>).</summary>
public sealed partial class RuleRequestValidator : AbstractValidator<RuleRequest>
{
    public RuleRequestValidator()
    {
        RuleFor(r => r.Name).NotEmpty().WithMessage("name is required.")
            .Must(n => !n!.Contains('\n') && n.Trim() == n).When(r => !string.IsNullOrEmpty(r.Name), ApplyConditionTo.CurrentValidator)
            .WithMessage("name must be one line without leading or trailing spaces.").OverridePropertyName("name");
        RuleFor(r => r.Name).Must(n => ItemNames.Problem(ItemKind.Rule, n!) is null).When(r => !string.IsNullOrEmpty(r.Name))
            .WithMessage(r => NameProblem(ItemKind.Rule, r.Name!)).OverridePropertyName("name");
        RuleFor(r => r.Desc).NotEmpty().WithMessage("desc is required.").OverridePropertyName("desc");
        RuleFor(r => r.Condition).NotEmpty().WithMessage("condition is required.").OverridePropertyName("condition");
        RuleFor(r => r.Output).NotEmpty().WithMessage("output is required.").OverridePropertyName("output");
        RuleFor(r => r.Priority).NotEmpty().WithMessage("priority is required.")
            .Must(p => Priorities.TryParse(p, out _)).When(r => !string.IsNullOrEmpty(r.Priority), ApplyConditionTo.CurrentValidator)
            .WithMessage(r => $"Unknown priority '{r.Priority}'; expected EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL or DEBUG.")
            .OverridePropertyName("priority");
        RuleFor(r => r.Source).Must(s => SourceName().IsMatch(s!)).When(r => r.Source is not null)
            .WithMessage("source must be a source name such as k8s_audit or falco_alert.").OverridePropertyName("source");
        RuleForEach(r => r.Tags).NotEmpty().WithMessage("A tag must not be empty.").OverridePropertyName("tags");
        RuleFor(r => r.Exceptions).Must(e => e!.Value.ValueKind is JsonValueKind.Array or JsonValueKind.Null)
            .When(r => r.Exceptions is not null)
            .WithMessage("exceptions must be an array of {name, fields, comps, values}.").OverridePropertyName("exceptions");
    }

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex SourceName();

    /// <summary>Names the item (control characters shown as <c>\uXXXX</c>) and says why its name cannot be used.</summary>
    internal static string NameProblem(ItemKind kind, string name)
    {
        var shown = string.Concat(name.Select(c => char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:X4}" : c.ToString()));
        return $"The {kind.Key()} '{shown}' cannot be created: {ItemNames.Problem(kind, name)}";
    }
}

public sealed partial class MacroRequestValidator : AbstractValidator<MacroRequest>
{
    public MacroRequestValidator()
    {
        RuleFor(m => m.Name).NotEmpty().WithMessage("name is required.")
            .Matches(Identifier()).When(m => !string.IsNullOrEmpty(m.Name), ApplyConditionTo.CurrentValidator)
            .WithMessage("name must be an identifier (a letter, then letters, digits or _), as conditions name macros bare.")
            .OverridePropertyName("name");
        RuleFor(m => m.Condition).NotEmpty().WithMessage("condition is required.").OverridePropertyName("condition");
    }

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    internal static partial Regex Identifier();
}

public sealed class ListRequestValidator : AbstractValidator<ListRequest>
{
    public ListRequestValidator()
    {
        RuleFor(l => l.Name).NotEmpty().WithMessage("name is required.")
            .Must(n => !n!.Any(char.IsWhiteSpace) && !n!.Any(c => c is '(' or ')' or ',' or '=')).When(l => !string.IsNullOrEmpty(l.Name), ApplyConditionTo.CurrentValidator)
            .WithMessage("name must not contain spaces or ( ) , = (conditions name lists bare).").OverridePropertyName("name");
        RuleFor(l => l.Name).Must(n => ItemNames.Problem(ItemKind.List, n!) is null).When(l => !string.IsNullOrEmpty(l.Name))
            .WithMessage(l => RuleRequestValidator.NameProblem(ItemKind.List, l.Name!)).OverridePropertyName("name");
        RuleFor(l => l.Items).NotNull().WithMessage("items is required (it may be empty).").OverridePropertyName("items");
        RuleForEach(l => l.Items).NotNull().WithMessage("An item must not be null.").OverridePropertyName("items");
    }
}

public sealed class ValidateRequestValidator : AbstractValidator<ValidateRequest>
{
    public ValidateRequestValidator()
    {
        RuleFor(v => v).Must(v => new object?[] { v.Yaml, v.Rule, v.Macro, v.List }.Count(x => x is not null) == 1)
            .WithMessage("Give exactly one of yaml, rule, macro or list.").OverridePropertyName("yaml");
        RuleFor(v => v.Rule!).SetValidator(new RuleRequestValidator()).When(v => v.Rule is not null).OverridePropertyName("rule");
        RuleFor(v => v.Macro!).SetValidator(new MacroRequestValidator()).When(v => v.Macro is not null).OverridePropertyName("macro");
        RuleFor(v => v.List!).SetValidator(new ListRequestValidator()).When(v => v.List is not null).OverridePropertyName("list");
    }
}

public sealed class TestRequestValidator : AbstractValidator<TestRequest>
{
    public TestRequestValidator()
    {
        RuleFor(t => t.Event).Must(e => e is { ValueKind: JsonValueKind.Object })
            .WithMessage("event is required: an audit event or a Falco alert (a JSON object).").OverridePropertyName("event");
        RuleFor(t => t.Source).Must(s => s is K8sAuditFieldProvider.SourceName or FalcoAlertFieldProvider.SourceName).When(t => t.Source is not null)
            .WithMessage("source must be k8s_audit or falco_alert.").OverridePropertyName("source");
        RuleFor(t => t.Source).Must((t, _) => RulesApi.InferSource(t.Event!.Value) is not null)
            .When(t => t.Source is null && t.Event is { ValueKind: JsonValueKind.Object })
            .WithMessage("source is required when the event is neither an audit event (auditID) nor a Falco alert (rule and priority).")
            .OverridePropertyName("source");
        RuleFor(t => t.Matching).Must(m => m is "first" or "all").When(t => t.Matching is not null)
            .WithMessage("matching must be first or all.").OverridePropertyName("matching");
        RuleFor(t => t.Rules).NotEmpty().When(t => t.Rules is not null)
            .WithMessage("rules, when given, must be a non-empty YAML document.").OverridePropertyName("rules");
    }
}

public sealed class ImportRequestValidator : AbstractValidator<ImportRequest>
{
    public ImportRequestValidator()
    {
        RuleFor(i => i.Yaml).NotNull().WithMessage("yaml is required (an empty document, \"[]\", removes every managed item).")
            .OverridePropertyName("yaml");
    }
}
