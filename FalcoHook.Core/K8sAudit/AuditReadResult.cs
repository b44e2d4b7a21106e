using System.Text.Json;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.K8sAudit;

/// <summary>
/// The result of reading an audit body: every event, or every error (nothing of a bad body is accepted).
/// Owns the parsed JSON: dispose it once the events have been evaluated; the events are unusable afterwards.
/// </summary>
public sealed class AuditReadResult : IDisposable
{
    private readonly List<JsonDocument> _documents;

    private AuditReadResult(IReadOnlyList<AuditEvent> events, IReadOnlyList<AlertError> errors, List<JsonDocument> documents)
    {
        Events = events;
        Errors = errors;
        _documents = documents;
    }

    /// <summary>The events in body order (empty when there are errors).</summary>
    public IReadOnlyList<AuditEvent> Events { get; }

    /// <summary>What is wrong, each with a JSON path such as <c>items[2].auditID</c>.</summary>
    public IReadOnlyList<AlertError> Errors { get; }

    public bool Ok => Errors.Count == 0;

    internal static AuditReadResult Success(List<AuditEvent> events, List<JsonDocument> documents) =>
        new(events, [], documents);

    /// <summary>A failed read; disposes <paramref name="documents"/> since no event survives.</summary>
    internal static AuditReadResult Failure(List<AlertError> errors, List<JsonDocument>? documents = null)
    {
        if (documents is not null) foreach (var document in documents) document.Dispose();
        return new([], errors, []);
    }

    internal static AuditReadResult Fail(string field, string message) => Failure([new AlertError(field, message)]);

    public void Dispose()
    {
        foreach (var document in _documents) document.Dispose();
        _documents.Clear();
    }
}
