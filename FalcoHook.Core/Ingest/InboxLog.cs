using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Ingest;

internal static partial class InboxLog
{
    [LoggerMessage(EventId = 1100, Level = LogLevel.Error, Message = "Inbox commit of {Alerts} alerts failed")]
    public static partial void CommitFailed(ILogger logger, int alerts, Exception exception);

    [LoggerMessage(EventId = 1101, Level = LogLevel.Error, Message = "The pipeline failed a batch of {Alerts} alerts; retrying in {Delay}")]
    public static partial void HandlerFailed(ILogger logger, int alerts, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Error, Message = "Inbox row {Id} no longer parses; moved to inbox_dead: {Error}. Row: {Row}")]
    public static partial void BadRow(ILogger logger, long id, string error, string row);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Error,
        Message = "The pipeline failed inbox row {Id} {Attempts} times while later alerts went through; moved to inbox_dead. Alert: {Alert}")]
    public static partial void Poisoned(ILogger logger, long id, int attempts, string alert, Exception exception);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning,
        Message = "Inbox row {Id} failed {Attempts} times; handling the next alert to tell a poisonous alert from a failing pipeline")]
    public static partial void Probing(ILogger logger, long id, int attempts);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Error, Message = "Reading or clearing the inbox failed; retrying in {Delay}")]
    public static partial void StoreFailed(ILogger logger, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Information, Message = "Inbox holds {Count} unprocessed alerts from before the start; processing them")]
    public static partial void Recovered(ILogger logger, long count);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning,
        Message = "Stopped with {Count} handled inbox rows whose work behind the drain (the alert history) is not done; they are handled again at the next start")]
    public static partial void StoppedUndeleted(ILogger logger, int count, Exception exception);
}
