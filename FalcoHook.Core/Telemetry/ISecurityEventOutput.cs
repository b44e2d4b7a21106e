using FalcoHook.Core.Alerts;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Telemetry;

/// <summary>One alert's security record as queued: the alert, the level it logs at and when it was queued.</summary>
public readonly record struct SecurityEvent(FalcoAlert Alert, LogLevel Level, DateTimeOffset Time);

/// <summary>
/// Where <see cref="SecurityEventLog"/>'s writer puts the records: called on the writer's own thread, one batch at a
/// time, never concurrently. It may block (a slow sink); the log's queue then fills and drops, the drain never waits.
/// </summary>
public interface ISecurityEventOutput
{
    void Write(IReadOnlyList<SecurityEvent> batch);
}
