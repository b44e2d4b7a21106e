using FalcoHook.Core.Alerts;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Telemetry;

/// <summary>
/// The security event log: every alert that enters the pipeline as one structured record in the log category
/// <see cref="Category"/>, whatever the pipeline later drops, silences or fails to deliver. A log pipeline
/// (console JSON → Loki, Elasticsearch, a SIEM) thus keeps every alert even when every destination is down.
/// Priority Warning and above (Warning, Error, Critical, Alert, Emergency) log at <see cref="LogLevel.Warning"/>,
/// the rest at <see cref="LogLevel.Information"/>. Properties: Rule, Priority, Source, Hostname and Alert (the
/// alert as Falco's JSON, <see cref="FalcoAlert.ToJson"/>).
/// </summary>
public sealed partial class SecurityEventLog(ILoggerFactory loggerFactory)
{
    /// <summary>The log category; filter or route on it (<c>Logging:LogLevel:FalcoHook.SecurityEvents</c>).</summary>
    public const string Category = "FalcoHook.SecurityEvents";

    /// <summary>The event id of every record (name <c>SecurityEvent</c>).</summary>
    public const int EventId = 8000;

    private readonly ILogger _logger = loggerFactory.CreateLogger(Category);

    public static LogLevel LevelOf(Priority priority) =>
        priority >= Priority.Warning ? LogLevel.Warning : LogLevel.Information;

    public void Write(FalcoAlert alert)
    {
        var level = LevelOf(alert.Priority);
        if (!_logger.IsEnabled(level)) return;
        LogSecurityEvent(_logger, level, alert.Rule, alert.Priority.ToFalcoString(), alert.Source ?? "unknown",
            alert.Hostname ?? "", alert.ToJson());
    }

    [LoggerMessage(EventId = EventId, EventName = "SecurityEvent",
        Message = "Falco alert {Rule} ({Priority}, source {Source}, host {Hostname}): {Alert}")]
    private static partial void LogSecurityEvent(ILogger logger, LogLevel level, string rule, string priority,
        string source, string hostname, string alert);
}
