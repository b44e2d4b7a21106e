using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Alert = FalcoHook.Core.Alerts.FalcoAlert;

namespace FalcoHook.Core.Fields;

/// <summary>
/// The <c>falco_alert</c> source, the one definition of an alert's field names: for drop rules and destination
/// conditions (through the rules compiler), and for silences, storm group keys and the classifier (through
/// <see cref="Text"/>). <c>falco.*</c> are the alert's own properties; any other name is looked up in
/// <c>output_fields</c> as written (<c>proc.aname[2]</c> is the key <c>proc.aname[2]</c>): a JSON string gives the
/// string, null gives no value, a number or boolean its JSON text, an array a list of strings. Since alerts may
/// carry any key, unknown names are not errors (except under <c>falco.</c>).
/// </summary>
public sealed class FalcoAlertFieldProvider : IFieldProvider
{
    public const string SourceName = "falco_alert";

    private static readonly (FieldInfo Info, Func<Alert, FieldValue> Extract)[] OwnFields =
    [
        (new("falco.rule", "The rule that fired."), a => FieldValue.Of(a.Rule)),
        (new("falco.priority", "The priority as Falco writes it (Critical, Warning, ...)."),
            a => FieldValue.Of(Alerts.Priorities.ToFalcoString(a.Priority))),
        (new("falco.source", "The event source of the alert (syscall, k8s_audit, ...)."), a => FieldValue.Of(a.Source)),
        (new("falco.hostname", "The host Falco ran on."), a => FieldValue.Of(a.Hostname)),
        (new("falco.tags", "The rule's tags.", IsList: true), a => FieldValue.OfList(a.Tags as string[] ?? [.. a.Tags])),
        (new("falco.output", "The rendered output line."), a => FieldValue.Of(a.Output)),
        (new("falco.time", "The alert time, RFC 3339 with nanoseconds."), a => FieldValue.Of(a.Time.ToString())),
    ];

    private static readonly IReadOnlyList<FieldInfo> OwnInfos = [.. OwnFields.Select(f => f.Info)];

    public string Source => SourceName;

    public IReadOnlyList<FieldInfo> Fields => OwnInfos;

    /// <summary>
    /// The field <paramref name="name"/> of <paramref name="alert"/> as text: a single value as it is, a list joined by
    /// commas (<c>falco.tags</c> is <c>shell,T1059</c>), null when the alert has no value.
    /// </summary>
    public static string? Text(Alert alert, string name)
    {
        var value = Value(alert, name);
        return value.IsList ? string.Join(',', value.List!) : value.Single;
    }

    /// <summary>The field <paramref name="name"/> (no bracket argument) of <paramref name="alert"/>.</summary>
    public static FieldValue Value(Alert alert, string name)
    {
        foreach (var (info, extract) in OwnFields)
            if (info.Name == name) return extract(alert);
        return OutputField(alert, name);
    }

    public bool TryResolve(string name, string? argument,
        [NotNullWhen(true)] out IFieldExtractor? extractor, [NotNullWhen(false)] out string? error)
    {
        error = null;
        extractor = null;
        foreach (var (info, extract) in OwnFields)
        {
            if (info.Name != name) continue;
            if (argument is not null)
            {
                error = $"field '{name}' takes no argument";
                return false;
            }
            extractor = new AlertExtractor(extract, info.IsList);
            return true;
        }
        if (name.StartsWith("falco.", StringComparison.Ordinal))
        {
            error = $"unknown field '{name}' of source '{SourceName}'; known: {string.Join(", ", OwnInfos.Select(f => f.Name))}";
            return false;
        }
        var key = argument is null ? name : $"{name}[{argument}]";
        extractor = new AlertExtractor(a => OutputField(a, key), isList: false);
        return true;
    }

    public long GetEventTime(object evt) => ((Alert)evt).Time.UnixNanoseconds;

    private static FieldValue OutputField(Alert alert, string key)
    {
        if (alert.OutputFields is not { } fields || !fields.TryGetValue(key, out var value)) return FieldValue.Missing;
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

    private sealed class AlertExtractor(Func<Alert, FieldValue> extract, bool isList) : IFieldExtractor
    {
        public bool IsList { get; } = isList;
        public FieldValue Extract(object evt) => extract((Alert)evt);
    }
}
