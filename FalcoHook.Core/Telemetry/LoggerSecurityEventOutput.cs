using FalcoHook.Core.Alerts;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Telemetry;

/// <summary>
/// Output <c>log</c>: each record as one <see cref="ILogger"/> record in <see cref="SecurityEventLog.Category"/>, event
/// <see cref="SecurityEventLog.EventId"/> <c>SecurityEvent</c>, properties Rule, Priority, Source, Hostname and Alert
/// (the alert's JSON as a string), for operators who route logs through providers.
/// </summary>
public sealed partial class LoggerSecurityEventOutput(ILoggerFactory loggerFactory) : ISecurityEventOutput
{
    private readonly ILogger _logger = loggerFactory.CreateLogger(SecurityEventLog.Category);

    public void Write(IReadOnlyList<SecurityEvent> batch)
    {
        foreach (var record in batch)
        {
            var alert = record.Alert;
            try
            {
                LogSecurityEvent(_logger, record.Level, alert.Rule, alert.Priority.ToFalcoString(), alert.Source ?? "unknown",
                    alert.Hostname ?? "", alert.ToJson());
            }
            catch (Exception)
            {
                // A failing log provider loses this record, not the rest of the batch.
            }
        }
    }

    [LoggerMessage(EventId = SecurityEventLog.EventId, EventName = "SecurityEvent",
        Message = "Falco alert {Rule} ({Priority}, source {Source}, host {Hostname}): {Alert}")]
    private static partial void LogSecurityEvent(ILogger logger, LogLevel level, string rule, string priority,
        string source, string hostname, string alert);
}
