using System.Diagnostics;
using FalcoHook.Core.Alerts;
using FalcoHook.Core.Storage;
using FalcoHook.Core.Telemetry;

namespace FalcoHook.Core.Ingest;

/// <summary>
/// Where an alert handed to the pipeline comes from: its inbox row, an identity that survives a crash (delivery
/// ids are derived from it, so a batch handled again after a restart makes the same deliveries, not new ones), and
/// the trace context of the request that brought it.
/// </summary>
public sealed record AlertOrigin(long InboxId, DateTimeOffset Received, ActivityContext Trace);

/// <summary>
/// The origins of the batch the inbox's drain is handing to <see cref="IAlertBatchHandler"/>, available down that
/// call (an <see cref="AsyncLocal{T}"/>): the handler's contract takes alerts only, and decorators (the security
/// event log, test recorders) pass the same alert objects on, so an alert's origin is found by reference.
/// </summary>
public static class InboxBatchContext
{
    private static readonly AsyncLocal<Dictionary<FalcoAlert, AlertOrigin>?> Current = new();

    /// <summary>The origin of <paramref name="alert"/> when it is one the drain is handing over now; null otherwise.</summary>
    public static AlertOrigin? OriginOf(FalcoAlert alert) => Current.Value?.GetValueOrDefault(alert);

    /// <summary>Makes the entries' origins current until the scope is disposed.</summary>
    public static Scope Enter(IEnumerable<InboxEntry> entries)
    {
        var origins = new Dictionary<FalcoAlert, AlertOrigin>(ReferenceEqualityComparer.Instance);
        foreach (var entry in entries)
            if (entry.Alert is not null)
                origins[entry.Alert] = new AlertOrigin(entry.Id, entry.Received, TraceParent.Parse(entry.TraceParent));
        var previous = Current.Value;
        Current.Value = origins;
        return new Scope(previous);
    }

    public readonly struct Scope : IDisposable
    {
        private readonly Dictionary<FalcoAlert, AlertOrigin>? _previous;

        internal Scope(Dictionary<FalcoAlert, AlertOrigin>? previous) => _previous = previous;

        public void Dispose() => Current.Value = _previous;
    }
}
