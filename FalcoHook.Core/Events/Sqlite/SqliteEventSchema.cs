namespace FalcoHook.Core.Events.Sqlite;

/// <summary>
/// The history file's tables. <c>events</c> holds one row per event (<c>seq</c> is the storage order retention follows,
/// <c>id</c> the public id); <c>events_fts</c> (FTS5, contentless) indexes the rule, the output, the output field values,
/// the field <c>key value</c> pairs and the tags by <c>seq</c>; <c>event_counts</c> and <c>tag_counts</c> count the alerts
/// per hour of their time so stats over long ranges read a few thousand rows instead of every event.
/// </summary>
internal static class SqliteEventSchema
{
    public const int Version = 1;

    public const string Create = """
        CREATE TABLE IF NOT EXISTS events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id INTEGER NOT NULL UNIQUE,
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
        CREATE INDEX IF NOT EXISTS events_time ON events (time, id);
        CREATE INDEX IF NOT EXISTS events_rule ON events (rule, time);
        CREATE INDEX IF NOT EXISTS events_fingerprint ON events (fingerprint);
        CREATE INDEX IF NOT EXISTS events_summary_of ON events (summary_of) WHERE summary_of IS NOT NULL;
        CREATE TABLE IF NOT EXISTS summary_ids (seq INTEGER PRIMARY KEY AUTOINCREMENT, fingerprint TEXT NOT NULL UNIQUE);
        CREATE VIRTUAL TABLE IF NOT EXISTS events_fts USING fts5 (
            rule, output, fields, pairs, tags, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
        CREATE TABLE IF NOT EXISTS event_counts (
            hour INTEGER NOT NULL, priority INTEGER NOT NULL, rule TEXT NOT NULL, source TEXT NOT NULL,
            hostname TEXT NOT NULL, namespace TEXT NOT NULL, n INTEGER NOT NULL,
            PRIMARY KEY (hour, priority, rule, source, hostname, namespace)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS tag_counts (
            hour INTEGER NOT NULL, tag TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (hour, tag)) WITHOUT ROWID;
        """;
}
