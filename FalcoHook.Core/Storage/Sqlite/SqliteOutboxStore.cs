using System.Globalization;
using FalcoHook.Core.Delivery;
using Microsoft.Data.Sqlite;

namespace FalcoHook.Core.Storage.Sqlite;

public sealed class SqliteOutboxStore(SqliteDatabase database) : IOutboxStore
{
    private const string Columns = "id, destination, notification, state, attempts, next_attempt_at, last_error, created, updated, trace_parent";

    public Task AddAsync(IReadOnlyList<NewDelivery> deliveries, DateTimeOffset now, CancellationToken cancellationToken) =>
        AddClaimingAsync(deliveries, [], now, cancellationToken);

    public async Task<IReadOnlyList<DeliveryRecord>> AddClaimingAsync(IReadOnlyList<NewDelivery> pending, IReadOnlyList<NewDelivery> claimed,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (pending.Count + claimed.Count == 0) return [];
        using var turn = await database.EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        // Only the pipeline records deliveries, from inbox rows (ids derived from the row) or from its durable state
        // (summaries, ids from group and window): drain bookkeeping, see SqliteSync. So is a claim made here: a power
        // loss undoes it with the insert (and the inbox deletes after it), and the batch handled again sends the row
        // again under the same id.
        await using var connection = await database.OpenAsync(SqliteSync.Normal, cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT OR IGNORE INTO deliveries (id, destination, notification, state, attempts, next_attempt_at, created, updated, trace_parent)
            VALUES ($id, $destination, $notification, $state, 0, $now, $now, $now, $trace);
            """;
        var id = command.Parameters.Add("$id", SqliteType.Text);
        var destination = command.Parameters.Add("$destination", SqliteType.Text);
        var notification = command.Parameters.Add("$notification", SqliteType.Text);
        var trace = command.Parameters.Add("$trace", SqliteType.Text);
        var state = command.Parameters.Add("$state", SqliteType.Text);
        var at = now.ToUnixTimeMilliseconds();
        command.Parameters.AddWithValue("$now", at);
        var inserted = new List<DeliveryRecord>(claimed.Count);
        foreach (var (deliveries, claiming) in new[] { (pending, false), (claimed, true) })
        {
            state.Value = claiming ? "sending" : "pending";
            foreach (var delivery in deliveries)
            {
                id.Value = delivery.Id;
                destination.Value = delivery.Destination;
                notification.Value = delivery.NotificationJson;
                trace.Value = (object?)delivery.TraceParent ?? DBNull.Value;
                var added = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                if (claiming && added == 1) inserted.Add(DeliveryRows.Claimed(delivery, at));
            }
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        return inserted;
    }

    public async Task<IReadOnlyList<DeliveryRecord>> ClaimDueAsync(string destination, DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        if (max <= 0) return [];
        using var turn = await database.EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        // A claim undone by a power loss leaves the row pending: it is claimed again (SqliteSync).
        await using var connection = await database.OpenAsync(SqliteSync.Normal, cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"""
            UPDATE deliveries SET state = 'sending', updated = $now
            WHERE id IN (SELECT id FROM deliveries
                         WHERE destination = $destination AND state = 'pending' AND next_attempt_at <= $now
                         ORDER BY next_attempt_at, id LIMIT $max)
            RETURNING {Columns};
            """;
        command.Parameters.AddWithValue("$destination", destination);
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("$max", max);
        var claimed = await ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        claimed.Sort((a, b) => a.NextAttemptAt != b.NextAttemptAt ? a.NextAttemptAt.CompareTo(b.NextAttemptAt) : string.CompareOrdinal(a.Id, b.Id));
        return claimed;
    }

    public async Task<IReadOnlyList<string>> DueDestinationsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        // A skip scan over the destination index: one probe per destination, however many rows are pending.
        // (SELECT DISTINCT over the due rows read the whole backlog on every dispatch round: 4.4 ms at 2,800 pending.)
        command.CommandText = """
            WITH RECURSIVE names(name) AS (
                SELECT MIN(destination) FROM deliveries
                UNION ALL
                SELECT (SELECT MIN(destination) FROM deliveries WHERE destination > names.name) FROM names WHERE names.name IS NOT NULL)
            SELECT name FROM names
            WHERE name IS NOT NULL
              AND EXISTS (SELECT 1 FROM deliveries WHERE destination = names.name AND state = 'pending' AND next_attempt_at <= $now);
            """;
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) names.Add(reader.GetString(0));
        return names;
    }

    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MIN(next_attempt_at) FROM deliveries WHERE state = 'pending';";
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is null or DBNull ? null : DateTimeOffset.FromUnixTimeMilliseconds(Convert.ToInt64(value, CultureInfo.InvariantCulture));
    }

    public Task MarkDeliveredAsync(string id, int attempts, DateTimeOffset now, CancellationToken cancellationToken) =>
        // The dispatcher's marks are bookkeeping (SqliteSync): undone by a power loss, a delivery is sent again under its id.
        ExecuteAsync(SqliteSync.Normal, "UPDATE deliveries SET state = 'delivered', attempts = $attempts, last_error = NULL, updated = $now WHERE id = $id;",
            cancellationToken, ("$id", id), ("$attempts", attempts), ("$now", now.ToUnixTimeMilliseconds()));

    public Task MarkDeliveredAsync(IReadOnlyList<(string Id, int Attempts)> deliveries, DateTimeOffset now, CancellationToken cancellationToken) =>
        RecordOutcomesAsync([.. deliveries.Select(d => DeliveryOutcome.Delivered(d.Id, d.Attempts))], now, cancellationToken);

    /// <summary>Every outcome in one transaction (bookkeeping, <see cref="SqliteSync.Normal"/>): one commit for many sends.</summary>
    public async Task RecordOutcomesAsync(IReadOnlyList<DeliveryOutcome> outcomes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (outcomes.Count == 0) return;
        using var turn = await database.EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenAsync(SqliteSync.Normal, cancellationToken).ConfigureAwait(false);
        using var transaction = connection.BeginTransaction(deferred: false);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        // One statement for the three outcomes: delivered clears the error, a retry sets the next attempt, dead keeps it.
        command.CommandText = """
            UPDATE deliveries SET state = $state, attempts = $attempts, last_error = $error,
                                  next_attempt_at = COALESCE($next, next_attempt_at), updated = $now
            WHERE id = $id;
            """;
        var id = command.Parameters.Add("$id", SqliteType.Text);
        var state = command.Parameters.Add("$state", SqliteType.Text);
        var attempts = command.Parameters.Add("$attempts", SqliteType.Integer);
        var error = command.Parameters.Add("$error", SqliteType.Text);
        var next = command.Parameters.Add("$next", SqliteType.Integer);
        command.Parameters.AddWithValue("$now", now.ToUnixTimeMilliseconds());
        foreach (var outcome in outcomes)
        {
            id.Value = outcome.Id;
            state.Value = outcome.StorageState;
            attempts.Value = outcome.Attempts;
            error.Value = outcome.State == DeliveryState.Delivered ? DBNull.Value : outcome.Error ?? "";
            next.Value = outcome.State == DeliveryState.Pending ? (outcome.NextAttemptAt ?? now).ToUnixTimeMilliseconds() : DBNull.Value;
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task ScheduleRetryAsync(string id, int attempts, DateTimeOffset nextAttemptAt, string error, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(SqliteSync.Normal, "UPDATE deliveries SET state = 'pending', attempts = $attempts, next_attempt_at = $next, last_error = $error, updated = $now WHERE id = $id;",
            cancellationToken, ("$id", id), ("$attempts", attempts), ("$next", nextAttemptAt.ToUnixTimeMilliseconds()), ("$error", error), ("$now", now.ToUnixTimeMilliseconds()));

    public Task MarkDeadAsync(string id, int attempts, string error, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(SqliteSync.Normal, "UPDATE deliveries SET state = 'dead', attempts = $attempts, last_error = $error, updated = $now WHERE id = $id;",
            cancellationToken, ("$id", id), ("$attempts", attempts), ("$error", error), ("$now", now.ToUnixTimeMilliseconds()));

    public Task ReleaseAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(SqliteSync.Normal, "UPDATE deliveries SET state = 'pending', updated = $now WHERE id = $id AND state = 'sending';",
            cancellationToken, ("$id", id), ("$now", now.ToUnixTimeMilliseconds()));

    public Task<int> ResetSendingAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync(SqliteSync.Normal, "UPDATE deliveries SET state = 'pending', updated = $now WHERE state = 'sending';",
            cancellationToken, ("$now", now.ToUnixTimeMilliseconds()));

    public Task<int> PurgeDeliveredAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        ExecuteAsync(SqliteSync.Normal, "DELETE FROM deliveries WHERE state = 'delivered' AND updated < $before;",
            cancellationToken, ("$before", before.ToUnixTimeMilliseconds()));

    public async Task<DeliveryRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM deliveries WHERE id = $id;";
        command.Parameters.AddWithValue("$id", id);
        var rows = await ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<DeliveryPage> ListAsync(DeliveryQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        var where = "WHERE ($state IS NULL OR state = $state) AND ($destination IS NULL OR destination = $destination)";
        await using var count = connection.CreateCommand();
        count.CommandText = $"SELECT COUNT(*) FROM deliveries {where};";
        AddFilter(count, query);
        var total = Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns} FROM deliveries {where} ORDER BY created DESC, id DESC LIMIT $limit OFFSET $offset;";
        AddFilter(command, query);
        command.Parameters.AddWithValue("$limit", query.Limit);
        command.Parameters.AddWithValue("$offset", query.Offset);
        return new DeliveryPage(await ReadAllAsync(command, cancellationToken).ConfigureAwait(false), total);
    }

    private static void AddFilter(SqliteCommand command, DeliveryQuery query)
    {
        command.Parameters.AddWithValue("$state", query.State is { } s ? s.ToStorageString() : DBNull.Value);
        command.Parameters.AddWithValue("$destination", (object?)query.Destination ?? DBNull.Value);
    }

    public Task<int> RetryDeadAsync(string? id, string? destination, DateTimeOffset now, CancellationToken cancellationToken) =>
        // Behind an API 2xx: must survive a power loss.
        ExecuteAsync(SqliteSync.Full, """
            UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = $now, updated = $now
            WHERE state = 'dead' AND ($id IS NULL OR id = $id) AND ($destination IS NULL OR destination = $destination);
            """, cancellationToken, ("$id", (object?)id ?? DBNull.Value), ("$destination", (object?)destination ?? DBNull.Value), ("$now", now.ToUnixTimeMilliseconds()));

    private async Task<int> ExecuteAsync(SqliteSync sync, string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        using var turn = await database.EnterWriteAsync(cancellationToken).ConfigureAwait(false);
        await using var connection = await database.OpenAsync(sync, cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static Task<List<DeliveryRecord>> ReadAllAsync(SqliteCommand command, CancellationToken cancellationToken) =>
        DeliveryRows.ReadAllAsync(command, cancellationToken);

    public async Task<IReadOnlyDictionary<DeliveryState, long>> CountByStateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT state, COUNT(*) FROM deliveries GROUP BY state;";
        var counts = new Dictionary<DeliveryState, long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            if (DeliveryStates.TryParse(reader.GetString(0), out var state)) counts[state] = reader.GetInt64(1);
        return counts;
    }
}
