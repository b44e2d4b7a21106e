using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Events;
using FalcoHook.Core.Events.Sqlite;
using FalcoHook.Core.Storage;
using FalcoHook.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FalcoHook.Tests.Events;

/// <summary>
/// A history file of an older schema keeps its events: the service starts on it at once (new events are recorded while the
/// old ones wait), and <see cref="SqliteEventUpgrade"/> copies those retention would keep into the current tables, where
/// lists, search, stats and retention treat them as any other event.
/// </summary>
public sealed class SqliteEventUpgradeTests : IDisposable
{
    private static readonly DateTimeOffset Now = KnownEvents.Base.AddHours(1);
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>Schema 1 (commit 61a99d5): events by storage order, the search index with field pairs and tags, counts per hour and dimension.</summary>
    private const string Schema1 = """
        CREATE TABLE IF NOT EXISTS events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, id INTEGER NOT NULL UNIQUE, kind INTEGER NOT NULL, time INTEGER NOT NULL,
            received INTEGER NOT NULL, stored INTEGER NOT NULL, priority INTEGER NOT NULL, rule TEXT NOT NULL, source TEXT NOT NULL,
            hostname TEXT NOT NULL, namespace TEXT NOT NULL, tags TEXT NOT NULL, outcome TEXT NOT NULL, fingerprint TEXT NOT NULL,
            summary_of TEXT, count INTEGER, notification TEXT NOT NULL, decisions TEXT NOT NULL, deliveries TEXT NOT NULL);
        CREATE INDEX IF NOT EXISTS events_time ON events (time, id);
        CREATE INDEX IF NOT EXISTS events_rule ON events (rule, time);
        CREATE INDEX IF NOT EXISTS events_fingerprint ON events (fingerprint);
        CREATE INDEX IF NOT EXISTS events_summary_of ON events (summary_of) WHERE summary_of IS NOT NULL;
        CREATE TABLE IF NOT EXISTS summary_ids (seq INTEGER PRIMARY KEY AUTOINCREMENT, fingerprint TEXT NOT NULL UNIQUE);
        CREATE VIRTUAL TABLE IF NOT EXISTS events_fts USING fts5 (
            rule, output, fields, pairs, tags, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
        CREATE TABLE IF NOT EXISTS event_counts (
            hour INTEGER NOT NULL, dim INTEGER NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (hour, dim, key)) WITHOUT ROWID;
        PRAGMA user_version = 1;
        """;

    /// <summary>Schema 2 (commit ef0e69b): a time-ordered key, the search index with hashed filter tokens.</summary>
    private const string Schema2 = """
        CREATE TABLE IF NOT EXISTS events (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, id INTEGER NOT NULL UNIQUE, key INTEGER NOT NULL, kind INTEGER NOT NULL, time INTEGER NOT NULL,
            received INTEGER NOT NULL, stored INTEGER NOT NULL, priority INTEGER NOT NULL, rule TEXT NOT NULL, source TEXT NOT NULL,
            hostname TEXT NOT NULL, namespace TEXT NOT NULL, tags TEXT NOT NULL, outcome TEXT NOT NULL, fingerprint TEXT NOT NULL,
            summary_of TEXT, count INTEGER, notification TEXT NOT NULL, decisions TEXT NOT NULL, deliveries TEXT NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS events_key ON events (key);
        CREATE INDEX IF NOT EXISTS events_fingerprint ON events (fingerprint);
        CREATE INDEX IF NOT EXISTS events_summary_of ON events (summary_of) WHERE summary_of IS NOT NULL;
        CREATE TABLE IF NOT EXISTS summary_ids (seq INTEGER PRIMARY KEY AUTOINCREMENT, fingerprint TEXT NOT NULL UNIQUE);
        CREATE VIRTUAL TABLE IF NOT EXISTS events_fts USING fts5 (
            rule, output, fields, keys, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2');
        CREATE TABLE IF NOT EXISTS event_counts (
            hour INTEGER NOT NULL, dim INTEGER NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (hour, dim, key)) WITHOUT ROWID;
        PRAGMA user_version = 2;
        """;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task The_events_of_an_older_schema_are_copied_in_the_background_and_read_as_any_other(int schema)
    {
        var file = _dir.File("events.db");
        await WriteOlderFileAsync(file, schema);
        var options = new EventsOptions { File = file, Retention = TimeSpan.FromDays(7) };
        var database = new SqliteEventDatabase(Options.Create(options), Options.Create(new StorageOptions()));
        var store = new SqliteEventStore(database);

        // The file opens at once: a new event is recorded before any older one is copied.
        var fresh = KnownEvents.Record(99, "Fresh rule", Priority.Error, "node-z", "syscall", ["fresh"], "Error fresh event");
        await store.RecordAsync([fresh], Now, default);
        Assert.Equal(1, await store.CountAsync(default));

        var upgrade = new SqliteEventUpgrade(database, new Monitor(options), new FakeTimeProvider(Now.AddDays(1)), NullLogger<SqliteEventUpgrade>.Instance);
        Assert.Equal(KnownEvents.Alerts + 1, await upgrade.CopyAsync(default));   // the 17 alerts and the summary; not the expired or unreadable one

        Assert.Equal(KnownEvents.Alerts + 2, await store.CountAsync(default));
        Assert.Null(await store.GetAsync(Expired, default));
        Assert.Null(await store.GetAsync(Unreadable, default));
        Assert.Equal(2, (await store.QueryAsync(new EventQuery { Text = "shadow" }, null, 10, default)).Items.Count);
        Assert.Equal(7, (await store.QueryAsync(new EventQuery { Namespace = "payments" }, null, 10, default)).Items.Count);
        var stats = await store.StatsAsync(new EventQuery(), null, Now, default);
        Assert.Equal(KnownEvents.Alerts + 1, stats.Total);
        Assert.Equal(6, stats.ByTag.Single(t => t.Key == "filesystem").Count);
        var summary = (await store.QueryAsync(new EventQuery { Kind = EventKind.Summary }, null, 10, default)).Items.Single();
        Assert.Equal(-1, summary.Id);                                             // summaries keep their ids
        Assert.Equal([14L, 15L], (await store.GetAsync(summary.Id, default))!.Value.Detail.HeldAlerts);
        Assert.Equal(16, (await store.GetAsync(17, default))!.Value.Detail.RepeatOf);
        await using (var connection = await database.OpenAsync(default))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = $"SELECT COUNT(*) FROM sqlite_master WHERE name = '{SqliteEventSchema.OlderEvents}'";
            Assert.Equal(0L, await command.ExecuteScalarAsync());
        }

        // The copies keep their storage order: the oldest go first, the new event last.
        Assert.Equal(KnownEvents.Alerts + 1, await store.DeleteOldestAsync(DateTimeOffset.MinValue, KnownEvents.Alerts + 1, 100, default));
        Assert.Equal([100L], (await store.QueryAsync(new EventQuery(), null, 10, default)).Items.Select(e => e.Id));
        Assert.Equal(0, await upgrade.CopyAsync(default));                          // nothing left to copy
    }

    /// <summary>The id of an event recorded eight days before <see cref="Now"/>: past retention, so not copied.</summary>
    private const long Expired = 500;

    /// <summary>The id of an event whose stored notification is not one (it is left out, the rest copied).</summary>
    private const long Unreadable = 501;

    private static async Task WriteOlderFileAsync(string file, int schema)
    {
        await using var connection = new SqliteConnection($"Data Source={file};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = (schema == 1 ? Schema1 : Schema2) + "INSERT INTO summary_ids (fingerprint) VALUES ('storm-1');";
        await command.ExecuteNonQueryAsync();
        command.CommandText = $"""
            INSERT INTO events (id, {(schema == 1 ? "" : "key, ")}kind, time, received, stored, priority, rule, source, hostname, namespace, tags, outcome,
                                fingerprint, summary_of, count, notification, decisions, deliveries)
            VALUES ($id, {(schema == 1 ? "" : "$key, ")}$kind, $time, $time, $stored, $priority, $rule, $source, $hostname, $namespace, $tags, $outcome,
                    $fingerprint, $summary_of, $count, $notification, $decisions, $deliveries)
            """;
        var records = KnownEvents.Records();
        var expired = KnownEvents.Record(0, "Expired rule", Priority.Warning, "node-a", "syscall", [], "Warning expired");
        var rows = new List<(long Id, EventRecord Record, DateTimeOffset Stored)> { (Expired, expired, Now.AddDays(-8)) };
        rows.AddRange(records.Select(r => (r.Kind == EventKind.Summary ? -1L : r.InboxId, r, Now)));
        rows.Insert(5, (Unreadable, expired, Now));
        foreach (var (id, record, stored) in rows)
        {
            var alert = record.Notification.Alert;
            var time = alert.Time.ToDateTimeOffset().ToUnixTimeMilliseconds();
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$id", id);
            command.Parameters.AddWithValue("$key", (time << 20) + id + 1);
            command.Parameters.AddWithValue("$kind", (int)record.Kind);
            command.Parameters.AddWithValue("$time", time);
            command.Parameters.AddWithValue("$stored", stored.ToUnixTimeMilliseconds());
            command.Parameters.AddWithValue("$priority", (int)alert.Priority);
            command.Parameters.AddWithValue("$rule", alert.Rule);
            command.Parameters.AddWithValue("$source", alert.Source ?? "");
            command.Parameters.AddWithValue("$hostname", alert.Hostname ?? "");
            command.Parameters.AddWithValue("$namespace", EventJson.Namespace(alert));
            command.Parameters.AddWithValue("$tags", EventJson.Tags(alert.Tags));
            command.Parameters.AddWithValue("$outcome", EventJson.OutcomeName(record.Outcome));
            command.Parameters.AddWithValue("$fingerprint", record.Notification.Fingerprint);
            command.Parameters.AddWithValue("$summary_of", (object?)record.SummaryFingerprint ?? DBNull.Value);
            command.Parameters.AddWithValue("$count", (object?)record.Notification.Digest?.Count ?? DBNull.Value);
            command.Parameters.AddWithValue("$notification", id == Unreadable ? "{\"alert\": 5}" : NotificationJson.Serialize(record.Notification));
            command.Parameters.AddWithValue("$decisions", EventJson.Decisions(record.Decisions));
            command.Parameters.AddWithValue("$deliveries", EventJson.Deliveries(record.Deliveries));
            await command.ExecuteNonQueryAsync();
        }
    }

    private sealed class Monitor(EventsOptions options) : IOptionsMonitor<EventsOptions>
    {
        public EventsOptions CurrentValue => options;
        public EventsOptions Get(string? name) => options;
        public IDisposable? OnChange(Action<EventsOptions, string?> listener) => null;
    }
}
