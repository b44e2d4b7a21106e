using System.ComponentModel;
using System.Text.Json;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Fields.K8sAudit;
using FalcoHook.Core.Rules;
using FalcoHook.Core.Rules.Management;

namespace FalcoHook.Api.Endpoints;

/// <summary>A rule as written through the API (Falco's keys; <c>desc</c>, <c>condition</c>, <c>output</c>, <c>priority</c> required).</summary>
public sealed record RuleRequest(
    [property: Description("The rule's name (for PUT, the same as in the path)")] string? Name,
    [property: Description("What the rule detects")] string? Desc,
    [property: Description("The condition, in Falco syntax (macros and lists by name)")] string? Condition,
    [property: Description("The output format (%field ...)")] string? Output,
    [property: Description("EMERGENCY, ALERT, CRITICAL, ERROR, WARNING, NOTICE, INFORMATIONAL (INFO) or DEBUG")] string? Priority,
    [property: Description("The event source: k8s_audit (default for new rules), falco_alert, syscall, ... A file rule's source cannot change.")] string? Source,
    [property: Description("Tags")] IReadOnlyList<string>? Tags,
    [property: Description("Whether the rule runs (default true)")] bool? Enabled,
    [property: Description("Falco exceptions: [{name, fields, comps, values}], as in a rules file")] JsonElement? Exceptions)
{
    /// <summary>The item as Falco YAML.</summary>
    public YamlMappingValue ToYaml()
    {
        var entries = new List<KeyValuePair<string, YamlValue>>
        {
            new("rule", YamlValue.Text(Name!)),
            new("desc", YamlValue.Text(Desc!)),
            new("condition", YamlValue.Text(Condition!)),
            new("output", YamlValue.Text(Output!)),
            new("priority", new YamlScalarValue(Priority!.ToUpperInvariant(), Plain: true)),
        };
        if (Source is not null) entries.Add(new("source", new YamlScalarValue(Source, Plain: true)));
        if (Tags is not null) entries.Add(new("tags", new YamlSequenceValue([.. Tags.Select(t => (YamlValue)YamlValue.Text(t))])));
        if (Enabled is not null) entries.Add(new("enabled", YamlValue.Bool(Enabled.Value)));
        if (Exceptions is { ValueKind: JsonValueKind.Array } exceptions) entries.Add(new("exceptions", YamlValue.FromJson(exceptions)));
        return new YamlMappingValue(entries);
    }

    /// <summary>For a new rule, the source defaults to k8s_audit (Falco's own default, syscall, is never evaluated here).</summary>
    public RuleRequest ForCreate() => Source is null ? this with { Source = K8sAuditFieldProvider.SourceName } : this;
}

/// <summary>A macro: a named condition.</summary>
public sealed record MacroRequest(
    [property: Description("The macro's name: letters, digits and _ (for PUT, the same as in the path)")] string? Name,
    [property: Description("The condition, in Falco syntax")] string? Condition)
{
    public YamlMappingValue ToYaml() => new([new("macro", YamlValue.Text(Name!)), new("condition", YamlValue.Text(Condition!))]);
}

/// <summary>A list: named items, usable in conditions (<c>ka.verb in (my_list)</c>).</summary>
public sealed record ListRequest(
    [property: Description("The list's name (for PUT, the same as in the path)")] string? Name,
    [property: Description("The items (an item may name an earlier list)")] IReadOnlyList<string>? Items)
{
    public YamlMappingValue ToYaml() =>
        new([new("list", YamlValue.Text(Name!)), new("items", new YamlSequenceValue([.. Items!.Select(i => (YamlValue)YamlValue.Text(i))]))]);
}

/// <summary>What to validate: a YAML rules document (as if loaded after the effective rules), or one item (as if created or replaced).</summary>
public sealed record ValidateRequest(
    [property: Description("A Falco rules document (YAML), checked as one more file after the effective rules")] string? Yaml,
    [property: Description("A rule, checked as if created (or replaced, when it exists)")] RuleRequest? Rule,
    [property: Description("A macro, checked as if created or replaced")] MacroRequest? Macro,
    [property: Description("A list, checked as if created or replaced")] ListRequest? List);

/// <summary>A dry run: which rules an event matches, with their alerts.</summary>
public sealed record TestRequest(
    [property: Description("An audit event (audit.k8s.io/v1 Event) or a Falco alert")] JsonElement? Event,
    [property: Description("k8s_audit or falco_alert; inferred when absent (auditID: k8s_audit; rule and priority: falco_alert)")] string? Source,
    [property: Description("Optional YAML rules document loaded after the effective rules, for this test only (it may add rules or override existing ones)")] string? Rules,
    [property: Description("first or all; the configured FalcoHook:Rules:Matching when absent")] string? Matching);

/// <summary>A whole managed rules document to import (it replaces the managed document; files are untouched).</summary>
public sealed record ImportRequest([property: Description("The Falco rules document (YAML)")] string? Yaml);

public sealed record OriginDto(
    [property: Description("file (under FalcoHook:Rules:Paths, read-only through the API) or api")] string Type,
    string? File, int? Line,
    [property: Description("For a file item: the API overrides it (an override item in the managed rules)")] bool Overridden)
{
    public static OriginDto From(ItemOrigin origin) => new(origin.Type, origin.File, origin.Line, origin.Overridden);
}

public sealed record RuleDto(string Name, string Description, string Source, string Priority, bool Enabled, IReadOnlyList<string> Tags,
    [property: Description("As written (appends included)")] string Condition,
    [property: Description("As compiled: lists, macros and exceptions substituted")] string? CompiledCondition,
    string Output, IReadOnlyList<object> Exceptions,
    [property: Description("False for a source FalcoHook has no fields for (checked, never run)")] bool Evaluated,
    OriginDto Origin, string ETag)
{
    public static RuleDto From(RuleView view)
    {
        var d = view.Definition;
        return new(d.Name, d.Description, d.Source, d.Priority.ToFalcoString(), d.Enabled, d.Tags, d.Condition.Text,
            view.Compiled?.Condition, d.Output.Text, d.Exceptions.Select(RulesView.ExceptionJson).ToList(),
            view.Compiled?.IsEvaluated ?? false, OriginDto.From(view.Origin), view.ETag);
    }
}

public sealed record MacroDto(string Name, string Condition, string? CompiledCondition, OriginDto Origin, string ETag)
{
    public static MacroDto From(MacroView view) =>
        new(view.Definition.Name, view.Definition.Condition.Text, view.Compiled, OriginDto.From(view.Origin), view.ETag);
}

public sealed record ListDto(string Name, IReadOnlyList<string> Items,
    [property: Description("Nested lists flattened")] IReadOnlyList<string>? ExpandedItems, OriginDto Origin, string ETag)
{
    public static ListDto From(ListView view) =>
        new(view.Definition.Name, view.Definition.Items, view.Expanded, OriginDto.From(view.Origin), view.ETag);
}

public sealed record DiagnosticDto(string Severity, string Message, string? File, int? Line, int? Column, string? ItemKind, string? ItemName,
    [property: Description("file:line:col: severity: message")] string Text)
{
    public static DiagnosticDto From(RuleDiagnostic d) => new(d.IsError ? "error" : "warning", d.Message, d.Location?.File,
        d.Location?.Line, d.Location?.Column, d.ItemKind, d.ItemName, d.ToString());
}

public sealed record ValidationReportDto(bool Valid, IReadOnlyList<DiagnosticDto> Errors, IReadOnlyList<DiagnosticDto> Warnings)
{
    public static ValidationReportDto From(IReadOnlyList<RuleDiagnostic> diagnostics) => new(
        !diagnostics.Any(d => d.IsError),
        diagnostics.Where(d => d.IsError).Select(DiagnosticDto.From).ToList(),
        diagnostics.Where(d => !d.IsError).Select(DiagnosticDto.From).ToList());
}

public sealed record TestMatchDto(string Rule, string Priority,
    [property: Description("The alert the rule raises, as Falco writes it")] JsonElement Alert);

public sealed record TestResultDto(string Source, string Matching, IReadOnlyList<TestMatchDto> Matches, IReadOnlyList<DiagnosticDto> Warnings);

public sealed record RuleChangeDto(long Id, DateTimeOffset At,
    [property: Description("The API key's name, or anonymous")] string Actor,
    [property: Description("create, replace, delete, enable, disable or import")] string Action,
    string? Kind, string? Name,
    [property: Description("The managed item(s) before (YAML; the whole managed document for import)")] string? Before,
    [property: Description("The managed item(s) after")] string? After,
    [property: Description("The managed rules version this change produced")] long Version)
{
    public static RuleChangeDto From(RuleChange c) => new(c.Id, c.At, c.Actor, c.Action, c.Kind, c.Name, c.Before, c.After, c.Version);
}
