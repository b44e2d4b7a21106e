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

/// <summary>An alert as the inbox's drain hands it to <see cref="IAlertBatchHandler"/>: the alert and its inbox row.</summary>
public sealed record InboxAlert(FalcoAlert Alert, AlertOrigin Origin)
{
    /// <summary>A readable inbox row as the drain hands it over.</summary>
    public static InboxAlert FromRow(InboxEntry entry) => new(
        entry.Alert ?? throw new ArgumentException($"Inbox row {entry.Id} holds no readable alert.", nameof(entry)),
        new AlertOrigin(entry.Id, entry.Received, TraceParent.Parse(entry.TraceParent)));
}
