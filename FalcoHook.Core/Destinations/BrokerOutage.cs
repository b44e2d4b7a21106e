using Microsoft.Extensions.Logging;

namespace FalcoHook.Core.Destinations;

/// <summary>
/// Whether a broker destination (nats, redis, rabbitmq, mqtt) can reach its broker: the reason it cannot is logged once
/// when an outage starts, not on every attempt the outbox retries, and the end of the outage once. Each failed attempt
/// still records its reason as the delivery's last error. The reason is logged with the destination's secrets masked.
/// </summary>
public sealed partial class BrokerOutage(ConfiguredDestination destination, ILogger logger)
{
    private int _failing;

    public bool IsFailing => Volatile.Read(ref _failing) == 1;

    /// <summary>An attempt could not reach the broker (connect, TLS handshake, authentication or a lost connection).</summary>
    public void Failed(string reason)
    {
        if (Interlocked.Exchange(ref _failing, 1) == 0) LogFailing(logger, destination.Type.Name, destination.Name, Redaction.Scrub(reason, destination));
    }

    /// <summary>An attempt reached the broker.</summary>
    public void Succeeded()
    {
        if (Interlocked.Exchange(ref _failing, 0) == 1) LogRecovered(logger, destination.Type.Name, destination.Name);
    }

    /// <summary>The exception's message and its inner ones' (a TLS or authentication failure is often inside a "cannot connect").</summary>
    public static string Reason(Exception e)
    {
        var parts = new List<string>();
        for (var x = e; x is not null; x = x.InnerException)
            if (!parts.Any(p => p.Contains(x.Message, StringComparison.Ordinal))) parts.Add(x.Message);
        return string.Join(": ", parts);
    }

    [LoggerMessage(EventId = 1260, Level = LogLevel.Error,
        Message = "{Type} destination {Destination}: cannot reach the broker ({Reason}); its deliveries stay pending and are retried")]
    private static partial void LogFailing(ILogger logger, string type, string destination, string reason);

    [LoggerMessage(EventId = 1261, Level = LogLevel.Information, Message = "{Type} destination {Destination}: the broker is reachable again")]
    private static partial void LogRecovered(ILogger logger, string type, string destination);
}
