namespace FalcoHook.Core.Storage.Sqlite;

/// <summary>
/// How hard a commit must survive (SQLite's <c>PRAGMA synchronous</c> for the connection that makes it). Both tiers
/// survive a process crash; only <see cref="Full"/> survives a power loss. A write a 2xx stands on is Full, the drain's
/// and dispatcher's bookkeeping is Normal; why that never loses an alert is in docs/ARCHITECTURE.md ("Durability").
/// </summary>
public enum SqliteSync
{
    /// <summary><c>PRAGMA synchronous = FULL</c> (2): durable through a power loss once the commit returns.</summary>
    Full,

    /// <summary><c>PRAGMA synchronous = NORMAL</c> (1): durable through a process crash; a power loss may undo a suffix of such commits.</summary>
    Normal,
}
