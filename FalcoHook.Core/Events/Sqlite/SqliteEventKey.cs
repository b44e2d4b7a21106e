namespace FalcoHook.Core.Events.Sqlite;

/// <summary>
/// An event's place in time order as one integer: its time in milliseconds shifted left by <see cref="Bits"/>, plus the
/// number of events stored before it with the same millisecond. Lists and the search index (whose rowid it is) are read
/// in this order, newest first, and a page's cursor is the last key read. Times beyond about ±139 years of 1970 are
/// clamped: such events still get a unique key, and time filters are checked against <c>time</c> exactly.
/// </summary>
internal static class SqliteEventKey
{
    /// <summary>Bits for the events within one millisecond (about a million).</summary>
    public const int Bits = 20;

    private const long MaxTime = (1L << (62 - Bits)) - 1;

    /// <summary>The lowest key an event at <paramref name="timeMs"/> can have; every event before it has a lower one.</summary>
    public static long Floor(long timeMs) => Math.Clamp(timeMs, -MaxTime, MaxTime) << Bits;

    /// <summary>
    /// SQL for a new event's key (parameter <c>$keyFloor</c> = <see cref="Floor"/> of its time): the next free key of its
    /// millisecond, or past every key when a millisecond is full.
    /// </summary>
    public static readonly string NextSql = $"""
        (SELECT CASE WHEN m IS NULL THEN $keyFloor WHEN m < $keyFloor + {(1L << Bits) - 1} THEN m + 1
                     ELSE (SELECT MAX(key) + 1 FROM events) END
         FROM (SELECT MAX(key) AS m FROM events WHERE key BETWEEN $keyFloor AND $keyFloor + {(1L << Bits) - 1}))
        """;
}
