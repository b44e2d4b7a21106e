using System.Diagnostics.CodeAnalysis;

namespace FalcoHook.Core.Fields;

/// <summary>
/// The fields of one event source (<c>k8s_audit</c>, <c>falco_alert</c>…). The rules compiler resolves every
/// field reference of a rule set once, through <see cref="TryResolve"/>; evaluation then only calls
/// <see cref="IFieldExtractor.Extract"/> on the event objects of this source.
/// </summary>
public interface IFieldProvider
{
    /// <summary>The source name rules use in <c>source:</c>.</summary>
    string Source { get; }

    /// <summary>Every field this source knows, for validation messages and documentation.</summary>
    IReadOnlyList<FieldInfo> Fields { get; }

    /// <summary>
    /// Resolves <paramref name="name"/> with its optional bracket <paramref name="argument"/>
    /// (<c>ka.uri.param[command]</c> gives name <c>ka.uri.param</c>, argument <c>command</c>). Returns false with
    /// a message for an unknown field, a missing required argument or a bad one.
    /// </summary>
    bool TryResolve(string name, string? argument,
        [NotNullWhen(true)] out IFieldExtractor? extractor, [NotNullWhen(false)] out string? error);

    /// <summary>The event's time (nanoseconds since the Unix epoch) for <c>evt.time</c> and the alert time.</summary>
    long GetEventTime(object evt);
}

/// <summary>A resolved field: extracts its value from an event of its source.</summary>
public interface IFieldExtractor
{
    /// <summary>True when the field yields a list (so <c>in</c> means "every value in the set").</summary>
    bool IsList { get; }

    /// <summary>Extracts the value. <paramref name="evt"/> is the provider's own event type.</summary>
    FieldValue Extract(object evt);
}

/// <summary>Describes one field: its name, whether it takes an argument, and what it yields.</summary>
public sealed record FieldInfo(string Name, string Description, bool IsList = false,
    FieldArgument Argument = FieldArgument.None, bool Deprecated = false);

public enum FieldArgument { None, Optional, Required }
