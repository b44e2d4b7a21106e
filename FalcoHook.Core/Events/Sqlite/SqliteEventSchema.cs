namespace FalcoHook.Core.Events.Sqlite;

/// <summary>
/// The history file's tables. <c>events</c> holds one row per event (<c>seq</c> is the storage order retention follows,
/// <c>id</c> the public id, <c>key</c> the time order lists follow: <see cref="SqliteEventKey"/>); <c>events_fts</c> (FTS5,
/// contentless, rowid = <c>key</c>) indexes the rule, the output and the output field values as words, and every exact
/// filter (rule, source, hostname, namespace, minimum priority, tag, output field value) as one hashed token in <c>keys</c>
/// (<see cref="SqliteEventTokens"/>), so a filtered or searched list reads the index newest first and stops at the page;
/// <c>event_counts</c> and <c>event_days</c> count the alerts per hour and per day (<see cref="EventCounts"/>), so stats
/// over long ranges read a few thousand rows instead of every event. The search index merges its segments 16 at a time
/// (FTS5 <c>automerge</c>, default 4): each word is rewritten fewer times as the history grows, which is most of a write's
/// cost, for a few more segments to read per query.
/// </summary>
internal static class SqliteEventSchema
{
    /// <summary>The schema this version writes. A file of an older one is upgraded by <see cref="Upgrade"/>.</summary>
    public const int Version = 3;

    /// <summary>The table an upgrade keeps the events of the older schema in until <see cref="SqliteEventUpgrade"/> has copied them.</summary>
    public const string OlderEvents = "events_old";

    /// <summary>
    /// Run before <see cref="Create"/> on a file of schema 1 or 2, in the same transaction: its <c>events</c> rows (the same
    /// columns in both, but <c>key</c>) are kept as <see cref="OlderEvents"/> for <see cref="SqliteEventUpgrade"/> to copy in
    /// the background, their indexes dropped (the names are the new table's); the search index and the counts, which the
    /// copy makes anew, are dropped; <c>summary_ids</c> (unchanged) stays, so summaries keep their ids.
    /// </summary>
    public const string Upgrade = $"""
        DROP INDEX IF EXISTS events_time;
        DROP INDEX IF EXISTS events_rule;
        DROP INDEX IF EXISTS events_key;
        DROP INDEX IF EXISTS events_fingerprint;
        DROP INDEX IF EXISTS events_summary_of;
        DROP TABLE IF EXISTS events_fts;
        DROP TABLE IF EXISTS event_counts;
        DROP TABLE IF EXISTS tag_counts;
        ALTER TABLE events RENAME TO {OlderEvents};
        """;

    /// <summary>After <see cref="Create"/> on an upgraded file: new events are stored after every kept one (<c>seq</c>).</summary>
    public const string ContinueSequence = $"""
        INSERT INTO sqlite_sequence (name, seq)
          SELECT 'events', COALESCE(MAX(seq), 0) FROM (SELECT seq FROM sqlite_sequence WHERE name = '{OlderEvents}' UNION ALL SELECT MAX(seq) FROM {OlderEvents});
        """;

    /// <summary>
    /// The count rows (dim, hour, priority, source, key) of the alerts in <c>e</c> (a table with the <c>events</c> columns),
    /// as <see cref="EventCounts.Add"/> makes them.
    /// </summary>
    public static string CountRows(string e) => $"""
        SELECT 0 AS dim, time / {HourMs} AS hour, priority, source, '' AS key FROM {e} WHERE kind = 0
        UNION ALL SELECT 1, time / {HourMs}, priority, source, rule FROM {e} WHERE kind = 0
        UNION ALL SELECT 3, time / {HourMs}, priority, source, hostname FROM {e} WHERE kind = 0 AND hostname <> ''
        UNION ALL SELECT 4, time / {HourMs}, priority, source, namespace FROM {e} WHERE kind = 0 AND namespace <> ''
        UNION ALL SELECT 5, hour, priority, source, value FROM (
          SELECT DISTINCT x.seq, x.time / {HourMs} AS hour, x.priority, x.source, t.value FROM {e} AS x, json_each(x.tags) AS t WHERE x.kind = 0)
        """;

    /// <summary>One hour in milliseconds: the resolution of <c>event_counts</c>.</summary>
    public const long HourMs = EventCounts.HourMs;

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
        INSERT INTO events_fts (events_fts, rank) VALUES ('automerge', 16);
        CREATE TABLE IF NOT EXISTS event_counts (
            dim INTEGER NOT NULL, hour INTEGER NOT NULL, priority INTEGER NOT NULL, source TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL,
            PRIMARY KEY (dim, hour, priority, source, key)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS event_days (
            dim INTEGER NOT NULL, day INTEGER NOT NULL, priority INTEGER NOT NULL, source TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL,
            PRIMARY KEY (dim, day, priority, source, key)) WITHOUT ROWID;
        """;
}
