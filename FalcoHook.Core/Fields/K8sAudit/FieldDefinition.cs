using FalcoHook.Core.K8sAudit;

namespace FalcoHook.Core.Fields.K8sAudit;

/// <summary>What a field's bracket argument is.</summary>
internal enum ArgumentKind
{
    /// <summary>No argument allowed.</summary>
    None,
    /// <summary>Optional non-negative index selecting one item (<c>[0]</c>).</summary>
    Index,
    /// <summary>Required key (<c>ka.uri.param[command]</c>).</summary>
    Key,
    /// <summary>Required RFC 6901 JSON pointer (<c>jevt.value[/objectRef/name]</c>).</summary>
    Pointer,
}

/// <summary>One field: its public description and how to build its extractor for a given argument.</summary>
internal sealed class FieldDefinition
{
    public required FieldInfo Info { get; init; }
    public required ArgumentKind Argument { get; init; }

    /// <summary>Builds (is list, extract) for an argument already checked against <see cref="Argument"/>.</summary>
    public required Func<ParsedArgument, (bool IsList, Func<AuditEvent, FieldValue> Extract)> Build { get; init; }
}

/// <summary>A checked argument: the index, the key or the pointer, whichever the field takes.</summary>
internal readonly record struct ParsedArgument(int? Index, string? Key, JsonPointer? Pointer);
