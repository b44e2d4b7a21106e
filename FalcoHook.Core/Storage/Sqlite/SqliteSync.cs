namespace FalcoHook.Core.Storage.Sqlite;

/// <summary>
/// How hard a commit must survive: SQLite's <c>PRAGMA synchronous</c> for the connection that makes it.
/// <para>
/// Both tiers survive a crash of the process (SIGKILL, OOM kill): a commit has reached the operating system when it
/// returns. They differ on a power loss or kernel crash. In WAL mode (the only mode this file is opened in)
/// <see cref="Full"/> fsyncs the WAL at every commit; <see cref="Normal"/> does not, and syncs only before a
/// checkpoint. SQLite documents that a <see cref="Normal"/> commit "might roll back following a power loss or system
/// crash" but the database stays consistent (https://sqlite.org/pragma.html#pragma_synchronous,
/// https://sqlite.org/wal.html). What can roll back is a suffix of the history only, never a commit from the middle:
/// WAL frames carry a checksum chained over every frame before them, and recovery stops at the first frame whose
/// checksum fails and keeps up to the last valid commit before it (https://sqlite.org/fileformat2.html#walformat).
/// And a <see cref="Full"/> commit's fsync is of the whole WAL file, so it makes every earlier frame, Normal ones
/// included, durable with it. After a power loss the file is therefore as it was at some moment after the last
/// <see cref="Full"/> commit: the same as if the process had been killed then.
/// </para>
/// <para>
/// Hence the rule: a write a 2xx stands on (an inbox append, a silence, a rule change, a dead row moved or requeued,
/// dead deliveries retried through the API) is <see cref="Full"/>. The drain's and the dispatcher's bookkeeping
/// (deleting handled inbox rows, the pipeline's state, the deliveries the pipeline records from inbox rows, claim,
/// attempt and delivered marks, purges) is <see cref="Normal"/>: losing a suffix of it means inbox rows handled again,
/// which makes the same delivery ids (derived from the row), i.e. at worst a delivery sent twice under the same id,
/// exactly what a SIGKILL at that moment would have caused. Never a lost alert.
/// </para>
/// </summary>
public enum SqliteSync
{
    /// <summary><c>PRAGMA synchronous = FULL</c> (2): durable through a power loss once the commit returns.</summary>
    Full,

    /// <summary><c>PRAGMA synchronous = NORMAL</c> (1): durable through a process crash; a power loss may undo it (see above).</summary>
    Normal,
}
