using FalcoHook.Core.Alerts;
using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Telemetry;

/// <summary>
/// The security event log: every alert that enters the pipeline as one structured record in the log category
/// <see cref="Category"/>, whatever the pipeline later drops, silences or fails to deliver. A log pipeline
/// (console JSON → Loki, Elasticsearch, a SIEM) thus keeps every alert even when every destination is down.
/// Priority Warning and above (Warning, Error, Critical, Alert, Emergency) log at <see cref="LogLevel.Warning"/>,
/// the rest at <see cref="LogLevel.Information"/>. Properties: Rule, Priority, Source, Hostname and Alert (the
/// alert as Falco's JSON, <see cref="FalcoAlert.ToJson"/>). Management actions are recorded in the same category
/// (<see cref="ManagementAction"/>).
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

    /// <summary>The event id of a management action's record (name <c>ManagementAction</c>).</summary>
    public const int ManagementActionEventId = 8001;

    /// <summary>
    /// One management action (a rule, macro or list change, an import, a silence created or expired, a delivery or
    /// dead alert retried): who (the API key's name, or <c>anonymous</c>), from where, what (method, path, route) and
    /// how it ended (the answer's status), at Information in <see cref="Category"/>.
    /// </summary>
    [LoggerMessage(EventId = ManagementActionEventId, EventName = "ManagementAction", Level = LogLevel.Information,
        Message = "Management action {Method} {Path} by {Actor} from {ClientAddress}: {Status} (route {Route})")]
    public static partial void ManagementAction(ILogger logger, string method, string path, string actor, string clientAddress,
        int status, string route);

    [LoggerMessage(EventId = EventId, EventName = "SecurityEvent",
        Message = "Falco alert {Rule} ({Priority}, source {Source}, host {Hostname}): {Alert}")]
    private static partial void LogSecurityEvent(ILogger logger, LogLevel level, string rule, string priority,
        string source, string hostname, string alert);
}
