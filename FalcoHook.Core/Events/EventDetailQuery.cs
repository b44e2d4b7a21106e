using System.Data.Common;
using FalcoHook.Core.Delivery;
using FalcoHook.Core.Pipeline;

namespace FalcoHook.Core.Events;

/// <summary>
/// One event with what it links to, read the same way from either store's <c>events</c> table: the alert a repeat
/// repeats, the storm summary an alert went into, the alerts a summary holds. Only the parameter prefix differs
/// (<c>$</c> for SQLite, <c>@</c> for PostgreSQL).
/// </summary>
internal static class EventDetailQuery
{
    /// <param name="command">A command on an open connection; its text and parameters are replaced.</param>
    /// <param name="columns">The store's 14 event columns (<paramref name="read"/> reads them), aliased <c>e</c>.</param>
    public static async Task<(EventDetail Detail, IReadOnlyList<EventDeliveryRef> Deliveries)?> ReadAsync(DbCommand command, char prefix,
        string columns, Func<DbDataReader, StoredEvent> read, long id, CancellationToken cancellationToken)
    {
        Set(command, prefix, $"SELECT {columns}, e.notification, e.decisions, e.deliveries FROM events e WHERE e.id = {prefix}id", ("id", id));
        StoredEvent stored;
        string notificationJson, decisions, deliveries;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) return null;
            stored = read(reader);
            notificationJson = reader.GetString(14);
            decisions = reader.GetString(15);
            deliveries = reader.GetString(16);
        }
        var notification = NotificationJson.Deserialize(notificationJson);
        long? repeatOf = null, summaryId = null;
        IReadOnlyList<long> held = [];
        if (stored.Outcome == DecisionKind.Deduplicated)
        {
            Set(command, prefix, $"SELECT id FROM events WHERE fingerprint = {prefix}fp AND kind = 0 AND outcome <> 'deduplicated' AND id < {prefix}id ORDER BY id DESC LIMIT 1",
                ("fp", stored.Fingerprint), ("id", id));
            repeatOf = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as long?;
        }
        else if (stored.SummaryFingerprint is { } summary)
        {
            Set(command, prefix, $"SELECT id FROM events WHERE fingerprint = {prefix}fp AND kind = 1", ("fp", summary));
            summaryId = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) as long?;
        }
        else if (stored.Kind == EventKind.Summary)
        {
            Set(command, prefix, $"SELECT id FROM events WHERE summary_of = {prefix}fp ORDER BY id LIMIT {EventStore.MaxHeldListed}", ("fp", stored.Fingerprint));
            var ids = new List<long>();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) ids.Add(reader.GetInt64(0));
            held = ids;
        }
        var detail = new EventDetail
        {
            Event = stored,
            Notification = notification,
            AlertJson = notification.Alert.ToJson(),
            Decisions = EventJson.ReadDecisions(decisions),
            Deliveries = [],
            RepeatOf = repeatOf,
            SummaryId = summaryId,
            HeldAlerts = held,
        };
        return (detail, EventJson.ReadDeliveries(deliveries));
    }

    private static void Set(DbCommand command, char prefix, string sql, params (string Name, object Value)[] parameters)
    {
        command.CommandText = sql;
        command.Parameters.Clear();
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = prefix + name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
    }
}
