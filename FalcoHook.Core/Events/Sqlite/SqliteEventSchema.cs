namespace FalcoHook.Core.Events.Sqlite;

/// <summary>
/// The history file's tables. <c>events</c> holds one row per event (<c>seq</c> is the storage order retention follows,
/// <c>id</c> the public id, <c>key</c> the time order lists follow: <see cref="SqliteEventKey"/>); <c>events_fts</c> (FTS5,
/// contentless, rowid = <c>key</c>) indexes the rule, the output and the output field values as words, and every exact
/// filter (rule, source, hostname, namespace, minimum priority, tag, output field value) as one hashed token in <c>keys</c>
/// (<see cref="SqliteEventTokens"/>), so a filtered or searched list reads the index newest first and stops at the page;
/// <c>event_counts</c> counts the alerts per hour of their time and per value of each dimension (<see cref="Dimension"/>),
/// so stats over long ranges read a few thousand rows instead of every event.
/// </summary>
internal static class SqliteEventSchema
{
    /// <summary>The schema this version writes; a file of an older one has its history tables made anew (see <see cref="DropOlder"/>).</summary>
    public const int Version = 2;

    /// <summary>Drops the tables of an older schema: schema 1 indexed by storage order and cannot be read newest first.</summary>
    public const string DropOlder = """
        DROP TABLE IF EXISTS events_fts;
        DROP TABLE IF EXISTS events;
        DROP TABLE IF EXISTS summary_ids;
        DROP TABLE IF EXISTS event_counts;
        """;

    /// <summary>The dimensions of <c>event_counts</c>; a priority's key is its number.</summary>
    public enum Dimension
    {
        Priority = 0,
        Rule = 1,
        Source = 2,
        Hostname = 3,
        Namespace = 4,
        Tag = 5,
    }

    /// <summary>
    /// Rows of (hour, dim, key) for the alerts of <c>e</c> (a CTE or table with the <c>events</c> columns): empty source,
    /// hostname and namespace are not counted, a tag once per alert.
    /// </summary>
    public static string DimensionRows(string e) => $"""
        SELECT time / {HourMs} AS hour, 0 AS dim, CAST(priority AS TEXT) AS key FROM {e} WHERE kind = 0
        UNION ALL SELECT time / {HourMs}, 1, rule FROM {e} WHERE kind = 0
        UNION ALL SELECT time / {HourMs}, 2, source FROM {e} WHERE kind = 0 AND source <> ''
        UNION ALL SELECT time / {HourMs}, 3, hostname FROM {e} WHERE kind = 0 AND hostname <> ''
        UNION ALL SELECT time / {HourMs}, 4, namespace FROM {e} WHERE kind = 0 AND namespace <> ''
        UNION ALL SELECT hour, 5, value FROM (SELECT DISTINCT x.seq, x.time / {HourMs} AS hour, t.value FROM {e} AS x, json_each(x.tags) AS t WHERE x.kind = 0)
        """;

    /// <summary>One hour in milliseconds: the resolution of <c>event_counts</c>.</summary>
    public const long HourMs = 3_600_000;

    public const string Create = """
        CREATE TABLE IF NOT EXISTS events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id INTEGER NOT NULL UNIQUE,
            key INTEGER NOT NULL,
            kind INTEGER NOT NULL,
            time INTEGER NOT NULL,
            received INTEGER NOT NULL,
            stored INTEGER NOT NULL,
            priority INTEGER NOT NULL,
            rule TEXT NOT NULL,
            source TEXT NOT NULL,
            hostname TEXT NOT NULL,
            namespace TEXT NOT NULL,
            tags TEXT NOT NULL,
            outcome TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            summary_of TEXT,
            count INTEGER,
            notification TEXT NOT NULL,
            decisions TEXT NOT NULL,
            deliveries TEXT NOT NULL
        );
        CREATE UNIQUE INDEX IF NOT EXISTS events_key ON events (key);
        CREATE INDEX IF NOT EXISTS events_fingerprint ON events (fingerprint);
        CREATE INDEX IF NOT EXISTS events_summary_of ON events (summary_of) WHERE summary_of IS NOT NULL;
        CREATE TABLE IF NOT EXISTS summary_ids (seq INTEGER PRIMARY KEY AUTOINCREMENT, fingerprint TEXT NOT NULL UNIQUE);
        CREATE VIRTUAL TABLE IF NOT EXISTS events_fts USING fts5 (
            rule, output, fields, keys, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
        CREATE TABLE IF NOT EXISTS event_counts (
            hour INTEGER NOT NULL, dim INTEGER NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL,
            PRIMARY KEY (hour, dim, key)) WITHOUT ROWID;
        """;
}
