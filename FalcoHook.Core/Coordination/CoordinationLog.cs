using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Coordination;

internal static partial class CoordinationLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "This replica ({Instance}) leads: it runs the inbox drain, the pipeline and the storm flush")]
    public static partial void Leading(ILogger logger, string instance);

    [LoggerMessage(Level = LogLevel.Warning, Message = "This replica ({Instance}) stepped down after leading for {Duration}")]
    public static partial void SteppedDown(ILogger logger, string instance, TimeSpan duration);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The leader lock's connection failed; trying again in {Delay}")]
    public static partial void LockConnectionFailed(ILogger logger, TimeSpan delay, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The change listener's connection failed; reconnecting in {Delay}")]
    public static partial void ListenerFailed(ILogger logger, TimeSpan delay, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell the other replicas that {Topic} changed; they pick it up when their listener reconnects")]
    public static partial void PublishFailed(ILogger logger, ChangeTopic topic, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Picking up a change of {Topic} made by another replica failed")]
    public static partial void ReactionFailed(ILogger logger, ChangeTopic topic, Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Picked up a change of {Topic} made by another replica")]
    public static partial void PickedUp(ILogger logger, ChangeTopic topic);
}
