using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using FalcoHook.Core.K8sAudit;

namespace FalcoHook.Core.Fields.K8sAudit;

/// <summary>
/// The <c>k8s_audit</c> fields (<c>ka.*</c>, <c>jevt.*</c>, <c>json.*</c>) over <see cref="AuditEvent"/>, as Falco's
/// k8saudit and json plugins define them (see docs/kubernetes-audit.md for where we deliberately differ).
/// Names and arguments are resolved once per rule set; extraction walks the event's JSON without re-parsing it.
/// </summary>
public sealed class K8sAuditFieldProvider : IFieldProvider
{
    private static readonly Dictionary<string, FieldDefinition> Definitions = K8sAuditFields.All
        .ToDictionary(d => d.Info.Name, StringComparer.Ordinal);

    private static readonly IReadOnlyList<FieldInfo> AllFields = K8sAuditFields.All.Select(d => d.Info).ToArray();

    public const string SourceName = "k8s_audit";

    public string Source => SourceName;

    public IReadOnlyList<FieldInfo> Fields => AllFields;

    public bool TryResolve(string name, string? argument,
        [NotNullWhen(true)] out IFieldExtractor? extractor, [NotNullWhen(false)] out string? error)
    {
        extractor = null;
        if (!Definitions.TryGetValue(name, out var definition))
        {
            error = $"Unknown field '{name}' for source {SourceName}.";
            return false;
        }
        if (!TryParseArgument(definition, argument, out var parsed, out error)) return false;
        var (isList, extract) = definition.Build(parsed);
        extractor = new K8sAuditExtractor(isList, extract);
        return true;
    }

    public long GetEventTime(object evt) => AsAuditEvent(evt).UnixNanoseconds;

    internal static AuditEvent AsAuditEvent(object evt) => evt as AuditEvent ?? throw new ArgumentException(
        $"The {SourceName} fields read {nameof(AuditEvent)} objects, got {evt?.GetType().Name ?? "null"}.", nameof(evt));

    private static bool TryParseArgument(FieldDefinition definition, string? argument, out ParsedArgument parsed,
        [NotNullWhen(false)] out string? error)
    {
        parsed = default;
        error = null;
        var name = definition.Info.Name;
        switch (definition.Argument)
        {
            case ArgumentKind.None:
                if (argument is null) return true;
                error = $"Field '{name}' takes no argument, got [{argument}].";
                return false;
            case ArgumentKind.Index:
                if (argument is null) return true;
                if (argument.Length is > 0 and <= 9 && argument.All(char.IsAsciiDigit)
                    && int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                {
                    parsed = new ParsedArgument(index, null, null);
                    return true;
                }
                error = $"Field '{name}' takes an optional index such as [0], got [{argument}].";
                return false;
            case ArgumentKind.Key:
                if (!string.IsNullOrEmpty(argument))
                {
                    parsed = new ParsedArgument(null, argument, null);
                    return true;
                }
                error = $"Field '{name}' requires an argument, e.g. {name}[{(name == "ka.uri.param" ? "command" : "/var/run/docker.sock")}].";
                return false;
            case ArgumentKind.Pointer:
                if (string.IsNullOrEmpty(argument))
                {
                    error = $"Field '{name}' requires a JSON pointer argument, e.g. {name}[/objectRef/name].";
                    return false;
                }
                if (!JsonPointer.TryParse(argument, out var pointer, out var pointerError))
                {
                    error = $"Field '{name}': {pointerError}";
                    return false;
                }
                parsed = new ParsedArgument(null, null, pointer);
                return true;
            default:
                throw new InvalidOperationException(definition.Argument.ToString());
        }
    }

    private sealed class K8sAuditExtractor(bool isList, Func<AuditEvent, FieldValue> extract) : IFieldExtractor
    {
        public bool IsList => isList;

        public FieldValue Extract(object evt) => extract(evt as AuditEvent ?? AsAuditEvent(evt));
    }
}
