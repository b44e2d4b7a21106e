namespace FalcoHook.Core.Coordination;

/// <summary>What changed in the database, for the other replicas to pick up.</summary>
public enum ChangeTopic
{
    /// <summary>The managed rules (a change through the rules API).</summary>
    Rules,

    /// <summary>A silence was created, updated or expired.</summary>
    Silences,

    /// <summary>Deliveries became due out of turn (a dead delivery retried).</summary>
    Deliveries,

    /// <summary>An inhibition rule was put or deleted through the API.</summary>
    InhibitRules,

    /// <summary>A time interval was put or deleted through the API.</summary>
    TimeIntervals,
}

/// <summary>
/// Tells the other replicas that something changed (<see cref="PublishAsync"/>), and runs what a replica registered
/// for a topic when another replica changed it. One process alone has nobody to tell (<see cref="LocalChangeFeed"/>).
/// </summary>
public interface IChangeFeed
{
    /// <summary>Tells the others; never throws (a replica that misses it catches up when its listener reconnects).</summary>
    Task PublishAsync(ChangeTopic topic, CancellationToken cancellationToken);

    /// <summary>Runs <paramref name="handler"/> when another replica changes <paramref name="topic"/>, and after each reconnect.</summary>
    void Subscribe(ChangeTopic topic, Func<CancellationToken, Task> handler);
}

/// <summary>One process: nobody else to tell.</summary>
public sealed class LocalChangeFeed : IChangeFeed
{
    public Task PublishAsync(ChangeTopic topic, CancellationToken cancellationToken) => Task.CompletedTask;

    public void Subscribe(ChangeTopic topic, Func<CancellationToken, Task> handler)
    {
    }
}
