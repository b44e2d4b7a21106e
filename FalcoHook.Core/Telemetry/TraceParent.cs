using System.Diagnostics;

namespace FalcoHook.Core.Telemetry;

/// <summary>
/// W3C <c>traceparent</c> strings (<c>00-{trace-id}-{span-id}-{flags}</c>): how a span's context is stored with an
/// inbox row or a delivery, so work done later (after a restart, hours later for a retry) joins the same trace.
/// </summary>
public static class TraceParent
{
    /// <summary>The current activity's traceparent, or null when there is none (or it is not W3C).</summary>
    public static string? Current() => Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity ? activity.Id : null;

    public static string? Format(ActivityContext context) =>
        context == default
            ? null
            : $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{((context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}";

    /// <summary>The stored context (remote: it comes from another process or an earlier run), or default when absent or malformed.</summary>
    public static ActivityContext Parse(string? traceParent) =>
        traceParent is { Length: > 0 } && ActivityContext.TryParse(traceParent, null, isRemote: true, out var context) ? context : default;
}
