using System.Text.Json;
using FalcoHook.Core.Alerts;

namespace FalcoHook.Core.K8sAudit;

/// <summary>
/// One <c>audit.k8s.io</c> <c>Event</c> as kube-apiserver sent it, read but not copied: <see cref="Element"/>
/// points into the <see cref="JsonDocument"/> of the batch it came in.
/// </summary>
/// <remarks>
/// Lifetime: an event is valid only while the <see cref="AuditReadResult"/> that produced it is not disposed
/// (the result owns the pooled document). Evaluate rules and render outputs before disposing the result; to keep
/// an event longer, keep <see cref="GetRawText"/> (or <c>Element.Clone()</c>), not the event.
/// </remarks>
public sealed class AuditEvent
{
    private string? _auditId;

    /// <summary>An event whose <c>auditID</c> the reader has checked is a non-empty string.</summary>
    internal AuditEvent(JsonElement element, long unixNanoseconds)
    {
        Element = element;
        UnixNanoseconds = unixNanoseconds;
    }

    /// <summary>The event object (<c>{"kind":"Event","auditID":…}</c>).</summary>
    public JsonElement Element { get; }

    /// <summary>The event's <c>auditID</c>; the same request has one id across its stages. Read when first asked for.</summary>
    public string AuditId => _auditId ??= Element.GetProperty("auditID"u8).GetString()!;

    /// <summary>
    /// The event time in nanoseconds since the Unix epoch: <c>stageTimestamp</c>, else
    /// <c>requestReceivedTimestamp</c>, with all nine fractional digits kept.
    /// </summary>
    public long UnixNanoseconds { get; }

    /// <summary>The event time as a <see cref="FalcoTime"/> (what alerts carry).</summary>
    public FalcoTime Time => new(UnixNanoseconds);

    /// <summary>The event as JSON text exactly as received.</summary>
    public string GetRawText() => Element.GetRawText();

    public override string ToString() => $"{AuditId} @ {Time}";
}
