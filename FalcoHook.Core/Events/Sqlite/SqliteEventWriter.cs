using FalcoHook.Core.Alerts;
using FalcoHook.Core.Delivery;
using System.Text;
using FalcoHook.Core.Pipeline;
using Microsoft.Data.Sqlite;

namespace FalcoHook.Core.Events.Sqlite;

/// <summary>
/// Writes events inside one transaction with prepared commands. A new event gets its row and its FTS entry
/// (<see cref="SqliteEventKey"/>, <see cref="SqliteEventTokens"/>), and its counts, added up over the batch and written by
/// <see cref="FlushCountsAsync"/> (<see cref="EventCounts"/>); an event stored already (the pipeline handled its inbox row
/// again) gets its decisions and deliveries replaced.
/// </summary>
internal sealed class SqliteEventWriter : IDisposable
{
    private readonly SqliteCommand _summaryId;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _update;
    private readonly SqliteCommand _fts;
    private readonly SqliteCommand _copy;
    private readonly SqliteCommand _hourCount;
    private readonly SqliteCommand _dayCount;
    private readonly Dictionary<EventCounts.Key, long> _counts = [];

    public SqliteEventWriter(SqliteConnection connection, SqliteTransaction transaction)
    {
        _summaryId = Command(connection, transaction,
            "INSERT INTO summary_ids (fingerprint) VALUES ($fp) ON CONFLICT (fingerprint) DO UPDATE SET fingerprint = excluded.fingerprint RETURNING seq",
            "$fp");
        _insert = Command(connection, transaction, $"""
            INSERT INTO events (id, key, kind, time, received, stored, priority, rule, source, hostname, namespace, tags, outcome,
                                fingerprint, summary_of, count, notification, decisions, deliveries)
            VALUES ($id, {SqliteEventKey.NextSql}, $kind, $time, $received, $stored, $priority, $rule, $source, $hostname, $namespace, $tags, $outcome,
                    $fingerprint, $summary_of, $count, $notification, $decisions, $deliveries)
            ON CONFLICT (id) DO NOTHING RETURNING key
            """, "$id", "$keyFloor", "$kind", "$time", "$received", "$stored", "$priority", "$rule", "$source", "$hostname", "$namespace", "$tags",
            "$outcome", "$fingerprint", "$summary_of", "$count", "$notification", "$decisions", "$deliveries");
        _update = Command(connection, transaction, """
            UPDATE events SET outcome = $outcome, summary_of = $summary_of, count = $count, notification = $notification,
                              decisions = $decisions, deliveries = $deliveries
            WHERE id = $id
            """, "$id", "$outcome", "$summary_of", "$count", "$notification", "$decisions", "$deliveries");
        _fts = Command(connection, transaction,
            "INSERT INTO events_fts (rowid, rule, output, fields, keys) VALUES ($key, $rule, $output, $fields, $keys)",
            "$key", "$rule", "$output", "$fields", "$keys");
        _copy = Command(connection, transaction, $"""
            INSERT INTO events (seq, id, key, kind, time, received, stored, priority, rule, source, hostname, namespace, tags, outcome,
                                fingerprint, summary_of, count, notification, decisions, deliveries)
              SELECT seq, id, {SqliteEventKey.NextSql}, kind, time, received, stored, priority, rule, source, hostname, namespace, tags, outcome,
                     fingerprint, summary_of, count, notification, decisions, deliveries
              FROM {SqliteEventSchema.OlderEvents} WHERE seq = $seq
            ON CONFLICT DO NOTHING RETURNING key
            """, "$seq", "$keyFloor");
        _hourCount = Command(connection, transaction,
            "INSERT INTO event_counts (dim, hour, priority, source, key, n) VALUES ($dim, $period, $priority, $source, $key, $n) ON CONFLICT DO UPDATE SET n = n + excluded.n",
            "$dim", "$period", "$priority", "$source", "$key", "$n");
        _dayCount = Command(connection, transaction,
            "INSERT INTO event_days (dim, day, priority, source, key, n) VALUES ($dim, $period, $priority, $source, $key, $n) ON CONFLICT DO UPDATE SET n = n + excluded.n",
            "$dim", "$period", "$priority", "$source", "$key", "$n");
    }

    public async Task<StoredEvent> WriteAsync(EventRecord record, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var notification = record.Notification;
        var alert = notification.Alert;
        long id;
        if (record.Kind == EventKind.Alert) id = record.InboxId;
        else
        {
            _summaryId.Parameters["$fp"].Value = notification.Fingerprint;
            id = -(long)(await _summaryId.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }
        var time = alert.Time.ToDateTimeOffset().ToUnixTimeMilliseconds();
        var ns = EventJson.Namespace(alert);
        var tags = EventJson.Tags(alert.Tags);
        var outcome = EventJson.OutcomeName(record.Outcome);
        var notificationJson = record.Json?.NotificationText ?? NotificationJson.Serialize(notification);
        var decisions = record.Json?.DecisionsText ?? EventJson.Decisions(record.Decisions);
        var deliveries = record.Json?.DeliveriesText ?? EventJson.Deliveries(record.Deliveries);
        object summaryOf = (object?)record.SummaryFingerprint ?? DBNull.Value;
        object count = notification.Digest is { } digest ? digest.Count : DBNull.Value;

        Set(_insert, ("$id", id), ("$keyFloor", SqliteEventKey.Floor(time)), ("$kind", (int)record.Kind), ("$time", time), ("$received", record.Received.ToUnixTimeMilliseconds()),
            ("$stored", now.ToUnixTimeMilliseconds()), ("$priority", (int)alert.Priority), ("$rule", alert.Rule), ("$source", alert.Source ?? ""),
            ("$hostname", alert.Hostname ?? ""), ("$namespace", ns), ("$tags", tags), ("$outcome", outcome), ("$fingerprint", notification.Fingerprint),
            ("$summary_of", summaryOf), ("$count", count), ("$notification", notificationJson), ("$decisions", decisions), ("$deliveries", deliveries));
        var inserted = await _insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        if (inserted is long key) await IndexAsync(key, record.Kind, time, alert, ns, cancellationToken).ConfigureAwait(false);
        else
        {
            Set(_update, ("$id", id), ("$outcome", outcome), ("$summary_of", summaryOf), ("$count", count), ("$notification", notificationJson),
                ("$decisions", decisions), ("$deliveries", deliveries));
            await _update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        return new StoredEvent
        {
            Id = id,
            Kind = record.Kind,
            Time = DateTimeOffset.FromUnixTimeMilliseconds(time),
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

    /// <summary>
    /// Copies the row <paramref name="seq"/> of <see cref="SqliteEventSchema.OlderEvents"/> (its notification's alert is
    /// <paramref name="alert"/>) with its <c>seq</c> and id, a key, its search entry and its counts; false when an event
    /// with its id is stored already.
    /// </summary>
    public async Task<bool> CopyOlderAsync(long seq, EventKind kind, long time, FalcoAlert alert, CancellationToken cancellationToken)
    {
        Set(_copy, ("$seq", seq), ("$keyFloor", SqliteEventKey.Floor(time)));
        if (await _copy.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not long key) return false;
        await IndexAsync(key, kind, time, alert, EventJson.Namespace(alert), cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Writes the counts of the events written since the last flush (before the transaction commits).</summary>
    public async Task FlushCountsAsync(CancellationToken cancellationToken)
    {
        var days = new Dictionary<EventCounts.Key, long>();
        foreach (var (key, n) in _counts.OrderBy(pair => pair.Key))
        {
            Set(_hourCount, ("$dim", (int)key.Dim), ("$period", key.Hour), ("$priority", key.Priority), ("$source", key.Source), ("$key", key.Value), ("$n", n));
            await _hourCount.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            var day = key with { Hour = key.Day };
            days[day] = days.GetValueOrDefault(day) + n;
        }
        foreach (var (key, n) in days)
        {
            Set(_dayCount, ("$dim", (int)key.Dim), ("$period", key.Hour), ("$priority", key.Priority), ("$source", key.Source), ("$key", key.Value), ("$n", n));
            await _dayCount.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        _counts.Clear();
    }

    private async Task IndexAsync(long key, EventKind kind, long time, FalcoAlert alert, string ns, CancellationToken cancellationToken)
    {
        Set(_fts, ("$key", key), ("$rule", alert.Rule), ("$output", alert.Output), ("$fields", FieldsText(alert)), ("$keys", SqliteEventTokens.Keys(alert)));
        await _fts.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        if (kind == EventKind.Alert) EventCounts.Add(_counts, time, alert, ns, static text => text);
    }

    /// <summary>
    /// The search index's <c>fields</c> column: the output field values (<see cref="EventJson.SearchText"/>) that the output
    /// does not hold as whole words already. Text search reads rule, output and fields together, so a value the output
    /// holds is found there, and indexing its words twice would only cost time.
    /// </summary>
    internal static string FieldsText(FalcoAlert alert)
    {
        if (alert.OutputFields is null) return "";
        var values = new StringBuilder();
        foreach (var (key, value) in alert.OutputFields)
        {
            if (AlertFields.IsPerEventField(key)) continue;
            var text = AlertFields.ToText(value);
            if (string.IsNullOrEmpty(text) || HoldsAsWords(alert.Output, text)) continue;
            values.Append(text).Append('\n');
        }
        return values.ToString();
    }

    /// <summary>Whether <paramref name="text"/> occurs in <paramref name="output"/> with no letter or digit joined to either end.</summary>
    internal static bool HoldsAsWords(string output, string text)
    {
        for (var i = output.IndexOf(text, StringComparison.Ordinal); i >= 0; i = output.IndexOf(text, i + 1, StringComparison.Ordinal))
        {
            var end = i + text.Length;
            var alignedStart = i == 0 || !char.IsLetterOrDigit(text[0]) || !char.IsLetterOrDigit(output[i - 1]);
            var alignedEnd = end == output.Length || !char.IsLetterOrDigit(text[^1]) || !char.IsLetterOrDigit(output[end]);
            if (alignedStart && alignedEnd) return true;
        }
        return false;
    }

    public void Dispose()
    {
        foreach (var command in (SqliteCommand[])[_summaryId, _insert, _update, _fts, _copy, _hourCount, _dayCount]) command.Dispose();
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var name in parameters) command.Parameters.Add(new SqliteParameter { ParameterName = name });
        return command;
    }

    private static void Set(SqliteCommand command, params (string Name, object Value)[] values)
    {
        foreach (var (name, value) in values) command.Parameters[name].Value = value;
    }
}
