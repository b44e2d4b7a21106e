using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Alert = FalcoHook.Core.Alerts.FalcoAlert;

namespace FalcoHook.Core.Fields;

/// <summary>
/// The <c>falco_alert</c> source: fields of a received Falco alert, for drop rules and destination
/// conditions. <c>falco.*</c> are the alert's own properties; any other name is looked up in
/// <c>output_fields</c> as written (<c>proc.aname[2]</c> is the key <c>proc.aname[2]</c>): a JSON string
/// gives the string, null gives no value, a number or boolean its JSON text, an array a list of strings.
/// Since alerts may carry any key, unknown names are not errors (except under <c>falco.</c>).
/// </summary>
public sealed class FalcoAlertFieldProvider : IFieldProvider
{
    public const string SourceName = "falco_alert";

    private static readonly FieldInfo[] OwnFields =
    [
        new("falco.rule", "The rule that fired."),
        new("falco.priority", "The priority as Falco writes it (Critical, Warning, ...)."),
        new("falco.source", "The event source of the alert (syscall, k8s_audit, ...)."),
        new("falco.hostname", "The host Falco ran on."),
        new("falco.tags", "The rule's tags.", IsList: true),
        new("falco.output", "The rendered output line."),
        new("falco.time", "The alert time, RFC 3339 with nanoseconds."),
    ];

    public string Source => SourceName;

    public IReadOnlyList<FieldInfo> Fields => OwnFields;

    public bool TryResolve(string name, string? argument,
        [NotNullWhen(true)] out IFieldExtractor? extractor, [NotNullWhen(false)] out string? error)
    {
        error = null;
        extractor = name switch
        {
            "falco.rule" => new AlertExtractor(a => FieldValue.Of(a.Rule)),
            "falco.priority" => new AlertExtractor(a => FieldValue.Of(Alerts.Priorities.ToFalcoString(a.Priority))),
            "falco.source" => new AlertExtractor(a => a.Source is null ? FieldValue.Missing : FieldValue.Of(a.Source)),
            "falco.hostname" => new AlertExtractor(a => a.Hostname is null ? FieldValue.Missing : FieldValue.Of(a.Hostname)),
            "falco.tags" => new AlertExtractor(a => FieldValue.OfList(a.Tags as string[] ?? [.. a.Tags]), isList: true),
            "falco.output" => new AlertExtractor(a => FieldValue.Of(a.Output)),
            "falco.time" => new AlertExtractor(a => FieldValue.Of(a.Time.ToString())),
            _ => null,
        };
        if (extractor is not null)
        {
            if (argument is null) return true;
            extractor = null;
            error = $"field '{name}' takes no argument";
            return false;
        }
        if (name.StartsWith("falco.", StringComparison.Ordinal))
        {
            error = $"unknown field '{name}' of source '{SourceName}'; known: {string.Join(", ", OwnFields.Select(f => f.Name))}";
            return false;
        }
        extractor = new OutputFieldExtractor(argument is null ? name : $"{name}[{argument}]");
        return true;
    }

    public long GetEventTime(object evt) => ((Alert)evt).Time.UnixNanoseconds;

    private sealed class AlertExtractor(Func<Alert, FieldValue> extract, bool isList = false) : IFieldExtractor
    {
        public bool IsList { get; } = isList;
        public FieldValue Extract(object evt) => extract((Alert)evt);
    }

    private sealed class OutputFieldExtractor(string key) : IFieldExtractor
    {
        public bool IsList => false;

        public FieldValue Extract(object evt)
        {
            var fields = ((Alert)evt).OutputFields;
            if (fields is null || !fields.TryGetValue(key, out var value)) return FieldValue.Missing;
            switch (value.ValueKind)
            {
                case JsonValueKind.String: return FieldValue.Of(value.GetString());
                case JsonValueKind.Null or JsonValueKind.Undefined: return FieldValue.Missing;
                case JsonValueKind.Array:
                    var items = new string[value.GetArrayLength()];
                    var i = 0;
                    foreach (var item in value.EnumerateArray())
                        items[i++] = item.ValueKind == JsonValueKind.String ? item.GetString()! : item.GetRawText();
                    return FieldValue.OfList(items);
                default: return FieldValue.Of(value.GetRawText());
            }
        }
    }
}
