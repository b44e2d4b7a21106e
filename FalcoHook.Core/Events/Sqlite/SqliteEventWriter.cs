using FalcoHook.Core.Delivery;
using Microsoft.Data.Sqlite;

namespace FalcoHook.Core.Events.Sqlite;

/// <summary>
/// Writes events inside one transaction with prepared commands. A new event gets its row, its FTS entry and its hour's
/// counts (<see cref="SqliteEventKey"/>, <see cref="SqliteEventTokens"/>); an event stored already (the pipeline handled its inbox row again) gets its decisions and deliveries replaced.
/// </summary>
internal sealed class SqliteEventWriter : IDisposable
{
    private readonly SqliteCommand _summaryId;
    private readonly SqliteCommand _insert;
    private readonly SqliteCommand _update;
    private readonly SqliteCommand _fts;
    private readonly SqliteCommand _count;

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
        _count = Command(connection, transaction,
            "INSERT INTO event_counts (hour, dim, key, n) VALUES ($hour, $dim, $key, 1) ON CONFLICT DO UPDATE SET n = n + 1",
            "$hour", "$dim", "$key");
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
        var notificationJson = NotificationJson.Serialize(notification);
        var decisions = EventJson.Decisions(record.Decisions);
        var deliveries = EventJson.Deliveries(record.Deliveries);
        object summaryOf = (object?)record.SummaryFingerprint ?? DBNull.Value;
        object count = notification.Digest is { } digest ? digest.Count : DBNull.Value;

        Set(_insert, ("$id", id), ("$keyFloor", SqliteEventKey.Floor(time)), ("$kind", (int)record.Kind), ("$time", time), ("$received", record.Received.ToUnixTimeMilliseconds()),
            ("$stored", now.ToUnixTimeMilliseconds()), ("$priority", (int)alert.Priority), ("$rule", alert.Rule), ("$source", alert.Source ?? ""),
            ("$hostname", alert.Hostname ?? ""), ("$namespace", ns), ("$tags", tags), ("$outcome", outcome), ("$fingerprint", notification.Fingerprint),
            ("$summary_of", summaryOf), ("$count", count), ("$notification", notificationJson), ("$decisions", decisions), ("$deliveries", deliveries));
        var inserted = await _insert.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        if (inserted is long key)
        {
            var (values, _) = EventJson.SearchText(alert);
            Set(_fts, ("$key", key), ("$rule", alert.Rule), ("$output", alert.Output), ("$fields", values), ("$keys", SqliteEventTokens.Keys(alert)));
            await _fts.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (record.Kind == EventKind.Alert)
            {
                var hour = time / SqliteEventSchema.HourMs;
                await CountAsync(hour, SqliteEventSchema.Dimension.Priority, ((int)alert.Priority).ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
                await CountAsync(hour, SqliteEventSchema.Dimension.Rule, alert.Rule, cancellationToken).ConfigureAwait(false);
                await CountAsync(hour, SqliteEventSchema.Dimension.Source, alert.Source, cancellationToken).ConfigureAwait(false);
                await CountAsync(hour, SqliteEventSchema.Dimension.Hostname, alert.Hostname, cancellationToken).ConfigureAwait(false);
                await CountAsync(hour, SqliteEventSchema.Dimension.Namespace, ns, cancellationToken).ConfigureAwait(false);
                foreach (var tag in alert.Tags.Distinct(StringComparer.Ordinal))
                    await CountAsync(hour, SqliteEventSchema.Dimension.Tag, tag, cancellationToken).ConfigureAwait(false);
            }
        }
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

    public void Dispose()
    {
        foreach (var command in (SqliteCommand[])[_summaryId, _insert, _update, _fts, _count]) command.Dispose();
    }

    private async Task CountAsync(long hour, SqliteEventSchema.Dimension dimension, string? key, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(key)) return;
        Set(_count, ("$hour", hour), ("$dim", (int)dimension), ("$key", key));
        await _count.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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
