using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using Npgsql;
using NpgsqlTypes;

namespace FalcoHook.Core.Events.Postgres;

/// <summary>
/// Writes a batch of events in one transaction: storm summaries get their ids first (one row per fingerprint in
/// <c>event_summary_ids</c>, the same id on every replica), then every event is upserted in one round trip. An event
/// stored already (its inbox row handled again, here or by another replica) keeps its row and gets its decisions and
/// deliveries replaced. The events first inserted here add to the hourly and daily counts (<see cref="EventCounts"/>), one
/// upsert per table for the batch. Rows are written in id order and counts in key order, so two writers of overlapping
/// batches never deadlock.
/// </summary>
internal static class PostgresEventWriter
{
    private const string Upsert = """
        INSERT INTO events (id, kind, time, received, stored, priority, rule, source, hostname, namespace, tags, tag_keys, fields,
                            outcome, fingerprint, summary_of, count, output, search_text, notification, decisions, deliveries)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)
        ON CONFLICT (id) DO UPDATE SET outcome = excluded.outcome, summary_of = excluded.summary_of, count = excluded.count,
            notification = excluded.notification, decisions = excluded.decisions, deliveries = excluded.deliveries
        RETURNING xmax = 0
        """;

    private const string AddCounts = """
        INSERT INTO {0} (dim, {1}, priority, source, key, n)
          SELECT * FROM unnest($1, $2, $3, $4, $5, $6)
        ON CONFLICT (dim, {1}, priority, source, key) DO UPDATE SET n = {0}.n + excluded.n
        """;

    public static async Task<IReadOnlyList<StoredEvent>> WriteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyList<EventRecord> records, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var summaryIds = await SummaryIdsAsync(connection, transaction, records, cancellationToken).ConfigureAwait(false);
        var rows = records.Select(record => (Record: record, Id: record.Kind == EventKind.Alert ? record.InboxId : summaryIds[record.Notification.Fingerprint]))
            .ToList();
        await using var batch = new NpgsqlBatch(connection, transaction);
        // The last report of an id wins, as when they come one after another.
        var last = new Dictionary<long, EventRecord>();
        foreach (var (record, id) in rows) last[id] = record;
        var ordered = last.OrderBy(pair => pair.Key).ToList();
        foreach (var (id, record) in ordered) batch.BatchCommands.Add(Command(record, id, now));
        var counts = new Dictionary<EventCounts.Key, long>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            foreach (var (_, record) in ordered)
            {
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false) && reader.GetBoolean(0) && record.Kind == EventKind.Alert)
                {
                    var alert = record.Notification.Alert;
                    EventCounts.Add(counts, Time(alert), alert, EventJson.Namespace(alert), Clean);
                }
                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        if (counts.Count > 0) await AddCountsAsync(connection, transaction, counts, cancellationToken).ConfigureAwait(false);
        return [.. rows.Select(row => Stored(row.Record, row.Id))];
    }

    private static async Task AddCountsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, Dictionary<EventCounts.Key, long> counts,
        CancellationToken cancellationToken)
    {
        var hours = counts.OrderBy(pair => pair.Key).ToList();
        var days = new Dictionary<EventCounts.Key, long>();
        foreach (var (key, n) in hours)
        {
            var day = key with { Hour = key.Day };
            days[day] = days.GetValueOrDefault(day) + n;
        }
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Counts("event_counts", "hour", hours));
        batch.BatchCommands.Add(Counts("event_days", "day", [.. days.OrderBy(pair => pair.Key)]));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlBatchCommand Counts(string table, string period, List<KeyValuePair<EventCounts.Key, long>> rows)
    {
        var command = new NpgsqlBatchCommand(string.Format(System.Globalization.CultureInfo.InvariantCulture, AddCounts, table, period));
        void Add<T>(NpgsqlDbType type, Func<KeyValuePair<EventCounts.Key, long>, T> value) =>
            command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | type, Value = rows.Select(value).ToArray() });
        Add(NpgsqlDbType.Integer, r => (int)r.Key.Dim);
        Add(NpgsqlDbType.Bigint, r => r.Key.Hour);
        Add(NpgsqlDbType.Integer, r => r.Key.Priority);
        Add(NpgsqlDbType.Text, r => r.Key.Source);
        Add(NpgsqlDbType.Text, r => r.Key.Value);
        Add(NpgsqlDbType.Bigint, r => r.Value);
        return command;
    }

    private static async Task<Dictionary<string, long>> SummaryIdsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyList<EventRecord> records, CancellationToken cancellationToken)
    {
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        var fingerprints = records.Where(r => r.Kind == EventKind.Summary).Select(r => r.Notification.Fingerprint)
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (fingerprints.Length == 0) return ids;
        await using var command = new NpgsqlCommand("""
            INSERT INTO event_summary_ids (fingerprint) SELECT unnest(@fps)
            ON CONFLICT (fingerprint) DO UPDATE SET fingerprint = excluded.fingerprint
            RETURNING fingerprint, seq
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter("fps", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = fingerprints });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) ids[reader.GetString(0)] = -reader.GetInt64(1);
        return ids;
    }

    private static NpgsqlBatchCommand Command(EventRecord record, long id, DateTimeOffset now)
    {
        var notification = record.Notification;
        var alert = notification.Alert;
        var command = new NpgsqlBatchCommand(Upsert);
        void Add(object? value, NpgsqlDbType type) => command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = type, Value = value ?? DBNull.Value });
        Add(id, NpgsqlDbType.Bigint);
        Add((int)record.Kind, NpgsqlDbType.Integer);
        Add(Time(alert), NpgsqlDbType.Bigint);
        Add(record.Received.ToUnixTimeMilliseconds(), NpgsqlDbType.Bigint);
        Add(now.ToUnixTimeMilliseconds(), NpgsqlDbType.Bigint);
        Add((int)alert.Priority, NpgsqlDbType.Integer);
        Add(Clean(alert.Rule), NpgsqlDbType.Text);
        Add(Clean(alert.Source ?? ""), NpgsqlDbType.Text);
        Add(Clean(alert.Hostname ?? ""), NpgsqlDbType.Text);
        Add(Clean(EventJson.Namespace(alert)), NpgsqlDbType.Text);
        Add(alert.Tags.Select(Clean).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
        Add(alert.Tags.Select(t => PostgresEventFilter.TagKey(Clean(t))).Distinct(StringComparer.Ordinal).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
        Add(PostgresEventFilter.Fields(alert), NpgsqlDbType.Jsonb);
        Add(EventJson.OutcomeName(record.Outcome), NpgsqlDbType.Text);
        Add(notification.Fingerprint, NpgsqlDbType.Text);
        Add(record.SummaryFingerprint, NpgsqlDbType.Text);
        Add(notification.Digest is { } digest ? digest.Count : null, NpgsqlDbType.Bigint);
        Add(Clean(alert.Output), NpgsqlDbType.Text);
        Add(PostgresEventText.Document(alert), NpgsqlDbType.Text);
        Add(record.Json?.NotificationText ?? NotificationJson.Serialize(notification), NpgsqlDbType.Text);
        Add(record.Json?.DecisionsText ?? EventJson.Decisions(record.Decisions), NpgsqlDbType.Text);
        Add(record.Json?.DeliveriesText ?? EventJson.Deliveries(record.Deliveries), NpgsqlDbType.Text);
        return command;
    }

    private static long Time(FalcoAlert alert) => alert.Time.ToDateTimeOffset().ToUnixTimeMilliseconds();

    /// <summary>PostgreSQL text holds no NUL character; an alert that has one is kept with U+FFFD in its place.</summary>
    public static string Clean(string text) => text.Contains('\0', StringComparison.Ordinal) ? text.Replace('\0', '\uFFFD') : text;

    private static StoredEvent Stored(EventRecord record, long id)
    {
        var notification = record.Notification;
        var alert = notification.Alert;
        return new StoredEvent
        {
            Id = id,
            Kind = record.Kind,
            Time = DateTimeOffset.FromUnixTimeMilliseconds(Time(alert)),
            Received = record.Received,
            Priority = alert.Priority,
            Rule = alert.Rule,
            Source = alert.Source,
            Hostname = alert.Hostname,
            Tags = alert.Tags,
            Output = alert.Output,
            Outcome = record.Outcome,
            Fingerprint = notification.Fingerprint,
            SummaryFingerprint = record.SummaryFingerprint,
            Count = notification.Digest?.Count,
        };
    }
}
