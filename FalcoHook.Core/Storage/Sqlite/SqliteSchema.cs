namespace FalcoHook.Core.Storage.Sqlite;

/// <summary>The schema as a list of migrations; the index + 1 is the version recorded in <c>schema_version</c>.</summary>
internal static class SqliteSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        // 1: inbox and deliveries. Times are Unix milliseconds.
        """
        CREATE TABLE inbox (
            id       INTEGER PRIMARY KEY AUTOINCREMENT,
            received INTEGER NOT NULL,
            alert    TEXT    NOT NULL
        );
        CREATE TABLE deliveries (
            id              TEXT    PRIMARY KEY,
            destination     TEXT    NOT NULL,
            notification    TEXT    NOT NULL,
            state           TEXT    NOT NULL,
            attempts        INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,
            last_error      TEXT,
            created         INTEGER NOT NULL,
            updated         INTEGER NOT NULL
        );
        CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at, id);
        CREATE INDEX deliveries_destination ON deliveries (destination, state, next_attempt_at, id);
        """,
        // 2: the managed rules document written through /api/v1/{rules,macros,lists} and its change history.
        // IF NOT EXISTS so this step may be renumbered when merged with other branches' migrations.
        """
        CREATE TABLE IF NOT EXISTS managed_rules (
            id         INTEGER PRIMARY KEY CHECK (id = 1),
            version    INTEGER NOT NULL,
            document   TEXT    NOT NULL,
            updated    INTEGER NOT NULL,
            updated_by TEXT    NOT NULL
        );
        CREATE TABLE IF NOT EXISTS rule_changes (
            id      INTEGER PRIMARY KEY AUTOINCREMENT,
            at      INTEGER NOT NULL,
            actor   TEXT    NOT NULL,
            action  TEXT    NOT NULL,
            kind    TEXT,
            name    TEXT,
            before  TEXT,
            after   TEXT,
            version INTEGER NOT NULL
        );
        CREATE INDEX IF NOT EXISTS rule_changes_item ON rule_changes (kind, name, id);
        """,
        // 3 (durability): the W3C traceparent of the request that brought an alert, kept with its inbox row and its
        // deliveries; inbox rows the pipeline cannot take (unreadable, or failing again and again) kept aside with
        // their error; silences. Additive only.
        """
        ALTER TABLE inbox ADD COLUMN trace_parent TEXT;
        ALTER TABLE deliveries ADD COLUMN trace_parent TEXT;
        CREATE TABLE IF NOT EXISTS inbox_dead (
            id           INTEGER PRIMARY KEY,
            received     INTEGER NOT NULL,
            alert        TEXT    NOT NULL,
            trace_parent TEXT,
            error        TEXT    NOT NULL,
            attempts     INTEGER NOT NULL,
            dead_at      INTEGER NOT NULL
        );
        CREATE TABLE IF NOT EXISTS silences (
            id         TEXT    PRIMARY KEY,
            matchers   TEXT    NOT NULL,
            starts_at  INTEGER NOT NULL,
            ends_at    INTEGER NOT NULL,
            created_by TEXT    NOT NULL,
            comment    TEXT    NOT NULL,
            updated_at INTEGER NOT NULL
        );
        """,
        // 4 (pipeline state): what dedup and aggregation remember, so a restart loses no held alert and repeats no sent
        // one. Times of windows are UTC ticks (exact), alert times Unix nanoseconds. pipeline_applied: the inbox rows whose
        // effect on that state is committed (a batch handed over again after a crash is not counted twice); forgotten
        // once their inbox row is gone. Additive only.
        """
        CREATE TABLE IF NOT EXISTS pipeline_dedup (
            fingerprint TEXT    PRIMARY KEY,
            first       INTEGER NOT NULL,
            repeats     INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS pipeline_groups (
            key          TEXT    PRIMARY KEY,
            window_start INTEGER NOT NULL,
            count        INTEGER NOT NULL,
            held         INTEGER NOT NULL,
            first_seen   INTEGER NOT NULL,
            last_seen    INTEGER NOT NULL,
            priority     INTEGER NOT NULL,
            samples      TEXT    NOT NULL,
            key_values   TEXT    NOT NULL,
            first        TEXT    NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS pipeline_applied (
            inbox_id INTEGER PRIMARY KEY
        );
        """,
        // 5 (inhibition): the last source alert per inhibition rule and Equal values (key), its fingerprint and when the
        // pipeline saw it (UTC ticks). IF NOT EXISTS so this step may be renumbered when merged with other branches' migrations.
        """
        CREATE TABLE IF NOT EXISTS pipeline_inhibit (
            key    TEXT    PRIMARY KEY,
            source TEXT    NOT NULL,
            seen   INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
        // 6 (alert management): inhibition rules and time intervals put through the API, one row per kind
        // (inhibit_rule, time_interval) and name, the definition as JSON, when it was put (Unix ms).
        """
        CREATE TABLE IF NOT EXISTS alert_management (
            kind       TEXT    NOT NULL,
            name       TEXT    NOT NULL,
            definition TEXT    NOT NULL,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (kind, name)
        ) WITHOUT ROWID;
        """,
    ];
}
