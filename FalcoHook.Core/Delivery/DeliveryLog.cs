using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Delivery;

/// <summary>Delivery logs. Destinations appear by name and redacted endpoint only; errors are scrubbed first.</summary>
internal static partial class DeliveryLog
{
    [LoggerMessage(EventId = 1200, Level = LogLevel.Debug, Message = "Delivered {DeliveryId} to {Destination} ({Endpoint}) on attempt {Attempt}")]
    public static partial void Delivered(ILogger logger, string deliveryId, string destination, string endpoint, int attempt);

    [LoggerMessage(EventId = 1201, Level = LogLevel.Warning, Message = "Delivery {DeliveryId} to {Destination} ({Endpoint}) failed on attempt {Attempt}: {Error}; next attempt at {NextAttemptAt:o}")]
    public static partial void WillRetry(ILogger logger, string deliveryId, string destination, string endpoint, int attempt, string error, DateTimeOffset nextAttemptAt);

    [LoggerMessage(EventId = 1202, Level = LogLevel.Error, Message = "Delivery {DeliveryId} to {Destination} ({Endpoint}) is dead after {Attempt} attempts: {Error}")]
    public static partial void Dead(ILogger logger, string deliveryId, string destination, string endpoint, int attempt, string error);

    [LoggerMessage(EventId = 1203, Level = LogLevel.Information, Message = "{Count} deliveries left sending by the last run go back to pending")]
    public static partial void Recovered(ILogger logger, int count);

    [LoggerMessage(EventId = 1204, Level = LogLevel.Error, Message = "The dispatcher loop failed; it goes on after {Delay}")]
    public static partial void LoopFailed(ILogger logger, TimeSpan delay, Exception exception);

    [LoggerMessage(EventId = 1205, Level = LogLevel.Error, Message = "Recording the outcome of delivery {DeliveryId} failed; it will be resent")]
    public static partial void RecordFailed(ILogger logger, string deliveryId, Exception exception);
}
