namespace FalcoHook.Core.Coordination;

/// <summary>
/// Which replica runs the work that must run once: the inbox drain, dedup and aggregation, and the storm flush. One
/// process alone always leads (<see cref="SingleProcessLeadership"/>); replicas on one PostgreSQL elect one
/// (<see cref="PostgresLeadership"/>).
/// </summary>
public interface ILeadership
{
    /// <summary>Whether other processes share this database (and so its inbox, outbox and pipeline state).</summary>
    bool Shared { get; }

    /// <summary>Whether this process leads now.</summary>
    bool IsLeader { get; }

    /// <summary>
    /// Completes when this process leads, with a token that is cancelled the moment it stops leading. Every
    /// <see cref="ILeaderState"/> has reloaded its state from the database by then.
    /// </summary>
    Task<CancellationToken> LeadAsync(CancellationToken cancellationToken);
}

/// <summary>State that the leader keeps in memory and another leader may have changed meanwhile: reloaded on taking over.</summary>
public interface ILeaderState
{
    Task ReloadAsync(CancellationToken cancellationToken);
}

/// <summary>One process: it leads, always, and its state is its own.</summary>
public sealed class SingleProcessLeadership : ILeadership
{
    private static readonly Task<CancellationToken> Always = Task.FromResult(CancellationToken.None);

    public bool Shared => false;

    public bool IsLeader => true;

    public Task<CancellationToken> LeadAsync(CancellationToken cancellationToken) => Always;
}
