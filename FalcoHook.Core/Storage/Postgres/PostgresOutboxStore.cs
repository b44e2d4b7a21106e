using FalcoHook.Core.Delivery;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace FalcoHook.Core.Storage.Postgres;

/// <summary>
/// The outbox in PostgreSQL (table <c>deliveries</c>), shared by replicas. A claim takes due rows with
/// <c>FOR UPDATE SKIP LOCKED</c> (two replicas never claim one row) and holds them under a lease: <c>claimed_by</c> is
/// this replica's <see cref="DeliveryLeaseOptions.InstanceId"/>, <c>lease_until</c> when the claim lapses. A lapsed
/// claim (its replica died) is due again; the outcome of a send is recorded only while this replica still holds the
/// claim, so a replica that lost its lease never undoes the one that took the row over.
/// </summary>
public sealed class PostgresOutboxStore(PostgresDatabase database, IOptions<DeliveryLeaseOptions> leases) : IOutboxStore
{
    private const string Columns = "id, destination, notification, state, attempts, next_attempt_at, last_error, created, updated, trace_parent";

    /// <summary>A row another replica may send: pending and due, or sending under a lapsed lease.</summary>
    private const string Due = "((state = 'pending' AND next_attempt_at <= @now) OR (state = 'sending' AND lease_until <= @now))";

    private readonly string _instance = leases.Value.EffectiveInstanceId;
    private readonly TimeSpan _lease = leases.Value.LeaseDuration;

    /// <summary>This replica's name in <c>claimed_by</c>.</summary>
    public string InstanceId => _instance;

    public Task AddAsync(IReadOnlyList<NewDelivery> deliveries, DateTimeOffset now, CancellationToken cancellationToken) =>
        AddClaimingAsync(deliveries, [], now, cancellationToken);

    /// <summary>One INSERT for both: the claimed rows in sending under this replica's lease, as a claim leaves them.</summary>
    public async Task<IReadOnlyList<DeliveryRecord>> AddClaimingAsync(IReadOnlyList<NewDelivery> pending, IReadOnlyList<NewDelivery> claimed,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (pending.Count + claimed.Count == 0) return [];
        NewDelivery[] all = [.. pending, .. claimed];
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            INSERT INTO deliveries (id, destination, notification, state, attempts, next_attempt_at, created, updated, trace_parent, claimed_by, lease_until)
            SELECT id, destination, notification, CASE WHEN claim THEN 'sending' ELSE 'pending' END, 0, @now, @now, @now, trace,
                   CASE WHEN claim THEN @me END, CASE WHEN claim THEN @lease END
            FROM unnest(@ids, @destinations, @notifications, @traces, @claims) AS rows(id, destination, notification, trace, claim)
            ON CONFLICT (id) DO NOTHING
            RETURNING id, claimed_by IS NOT NULL;
            """, connection);
        var at = now.ToUnixTimeMilliseconds();
        command.Parameters.AddWithValue("now", at);
        command.Parameters.AddWithValue("me", _instance);
        command.Parameters.AddWithValue("lease", (now + _lease).ToUnixTimeMilliseconds());
        command.Parameters.Add(TextArray("ids", all.Select(d => d.Id)));
        command.Parameters.Add(TextArray("destinations", all.Select(d => d.Destination)));
        command.Parameters.Add(TextArray("notifications", all.Select(d => d.NotificationJson)));
        command.Parameters.Add(TextArray("traces", all.Select(d => d.TraceParent)));
        command.Parameters.Add(new NpgsqlParameter("claims", NpgsqlDbType.Array | NpgsqlDbType.Boolean)
        {
            Value = all.Select((_, i) => i >= pending.Count).ToArray(),
        });
        var inserted = new HashSet<string>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                if (reader.GetBoolean(1)) inserted.Add(reader.GetString(0));
        return [.. claimed.Where(d => inserted.Contains(d.Id)).Select(d => DeliveryRows.Claimed(d, at))];
    }

    public async Task<IReadOnlyList<DeliveryRecord>> ClaimDueAsync(string destination, DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        if (max <= 0) return [];
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"""
            UPDATE deliveries SET state = 'sending', updated = @now, claimed_by = @me, lease_until = @lease
            WHERE id IN (SELECT id FROM deliveries
                         WHERE destination = @destination AND {Due}
                         ORDER BY next_attempt_at, id LIMIT @max
                         FOR UPDATE SKIP LOCKED)
            RETURNING {Columns};
            """, connection);
        command.Parameters.AddWithValue("destination", destination);
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("lease", (now + _lease).ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("me", _instance);
        command.Parameters.AddWithValue("max", max);
        var claimed = await ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
        claimed.Sort((a, b) => a.NextAttemptAt != b.NextAttemptAt ? a.NextAttemptAt.CompareTo(b.NextAttemptAt) : string.CompareOrdinal(a.Id, b.Id));
        return claimed;
    }

    public async Task<IReadOnlyList<string>> DueDestinationsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT DISTINCT destination FROM deliveries WHERE {Due} ORDER BY destination;", connection);
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) names.Add(reader.GetString(0));
        return names;
    }

    public async Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        // A claim's lapse counts: the dispatcher wakes when a dead replica's rows become due again.
        await using var command = new NpgsqlCommand("""
            SELECT LEAST((SELECT MIN(next_attempt_at) FROM deliveries WHERE state = 'pending'),
                         (SELECT MIN(lease_until) FROM deliveries WHERE state = 'sending'));
            """, connection);
        var value = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
        return value is long ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
    }

    public Task MarkDeliveredAsync(string id, int attempts, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync("""
            UPDATE deliveries SET state = 'delivered', attempts = @attempts, last_error = NULL, updated = @now, claimed_by = NULL, lease_until = NULL
            WHERE id = @id AND state = 'sending' AND claimed_by = @me;
            """, cancellationToken, ("id", id), ("attempts", attempts), ("now", now.ToUnixTimeMilliseconds()), ("me", _instance));

    public Task MarkDeliveredAsync(IReadOnlyList<(string Id, int Attempts)> deliveries, DateTimeOffset now, CancellationToken cancellationToken) =>
        RecordOutcomesAsync([.. deliveries.Select(d => DeliveryOutcome.Delivered(d.Id, d.Attempts))], now, cancellationToken);

    /// <summary>
    /// Every outcome in one UPDATE (one round trip, one commit): the rows are matched by id against the arrays, and
    /// only while this replica still holds the claim, as the single marks do.
    /// </summary>
    public async Task RecordOutcomesAsync(IReadOnlyList<DeliveryOutcome> outcomes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (outcomes.Count == 0) return;
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("""
            UPDATE deliveries AS d
            SET state = o.state, attempts = o.attempts, last_error = o.error, next_attempt_at = COALESCE(o.next, d.next_attempt_at),
                updated = @now, claimed_by = NULL, lease_until = NULL
            FROM unnest(@ids, @states, @attempts, @errors, @nexts) AS o(id, state, attempts, error, next)
            WHERE d.id = o.id AND d.id = ANY(@ids) AND d.state = 'sending' AND d.claimed_by = @me;
            """, connection);
        command.Parameters.AddWithValue("now", now.ToUnixTimeMilliseconds());
        command.Parameters.AddWithValue("me", _instance);
        command.Parameters.Add(TextArray("ids", outcomes.Select(o => o.Id)));
        command.Parameters.Add(TextArray("states", outcomes.Select(o => o.StorageState)));
        command.Parameters.Add(new NpgsqlParameter("attempts", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = outcomes.Select(o => o.Attempts).ToArray() });
        command.Parameters.Add(TextArray("errors", outcomes.Select(o => o.State == DeliveryState.Delivered ? null : o.Error ?? "")));
        command.Parameters.Add(new NpgsqlParameter("nexts", NpgsqlDbType.Array | NpgsqlDbType.Bigint)
        {
            Value = outcomes.Select(o => o.State == DeliveryState.Pending ? (long?)(o.NextAttemptAt ?? now).ToUnixTimeMilliseconds() : null).ToArray(),
        });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task ScheduleRetryAsync(string id, int attempts, DateTimeOffset nextAttemptAt, string error, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync("""
            UPDATE deliveries SET state = 'pending', attempts = @attempts, next_attempt_at = @next, last_error = @error, updated = @now,
                                  claimed_by = NULL, lease_until = NULL
            WHERE id = @id AND state = 'sending' AND claimed_by = @me;
            """, cancellationToken, ("id", id), ("attempts", attempts), ("next", nextAttemptAt.ToUnixTimeMilliseconds()), ("error", error),
            ("now", now.ToUnixTimeMilliseconds()), ("me", _instance));

    public Task MarkDeadAsync(string id, int attempts, string error, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync("""
            UPDATE deliveries SET state = 'dead', attempts = @attempts, last_error = @error, updated = @now, claimed_by = NULL, lease_until = NULL
            WHERE id = @id AND state = 'sending' AND claimed_by = @me;
            """, cancellationToken, ("id", id), ("attempts", attempts), ("error", error), ("now", now.ToUnixTimeMilliseconds()), ("me", _instance));

    public Task ReleaseAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync("""
            UPDATE deliveries SET state = 'pending', updated = @now, claimed_by = NULL, lease_until = NULL
            WHERE id = @id AND state = 'sending' AND claimed_by = @me;
            """, cancellationToken, ("id", id), ("now", now.ToUnixTimeMilliseconds()), ("me", _instance));

    /// <summary>
    /// At start: this replica's own claims (left by its previous run under the same instance id) and lapsed ones go
    /// back to pending; claims other live replicas hold are left alone.
    /// </summary>
    public Task<int> ResetSendingAsync(DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync("""
            UPDATE deliveries SET state = 'pending', updated = @now, claimed_by = NULL, lease_until = NULL
            WHERE state = 'sending' AND (claimed_by = @me OR claimed_by IS NULL OR lease_until IS NULL OR lease_until <= @now);
            """, cancellationToken, ("now", now.ToUnixTimeMilliseconds()), ("me", _instance));

    public Task<int> PurgeDeliveredAsync(DateTimeOffset before, CancellationToken cancellationToken) =>
        ExecuteAsync("DELETE FROM deliveries WHERE state = 'delivered' AND updated < @before;",
            cancellationToken, ("before", before.ToUnixTimeMilliseconds()));

    public async Task<DeliveryRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand($"SELECT {Columns} FROM deliveries WHERE id = @id;", connection);
        command.Parameters.AddWithValue("id", id);
        var rows = await ReadAllAsync(command, cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    public async Task<DeliveryPage> ListAsync(DeliveryQuery query, CancellationToken cancellationToken)
    {
        const string where = "WHERE (@state::text IS NULL OR state = @state) AND (@destination::text IS NULL OR destination = @destination)";
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var count = new NpgsqlCommand($"SELECT COUNT(*) FROM deliveries {where};", connection);
        AddFilter(count, query);
        var total = (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        await using var command = new NpgsqlCommand(
            $"SELECT {Columns} FROM deliveries {where} ORDER BY created DESC, id DESC LIMIT @limit OFFSET @offset;", connection);
        AddFilter(command, query);
        command.Parameters.AddWithValue("limit", query.Limit);
        command.Parameters.AddWithValue("offset", query.Offset);
        return new DeliveryPage(await ReadAllAsync(command, cancellationToken).ConfigureAwait(false), total);
    }

    private static void AddFilter(NpgsqlCommand command, DeliveryQuery query)
    {
        command.Parameters.Add(new NpgsqlParameter("state", NpgsqlDbType.Text) { Value = query.State is { } s ? s.ToStorageString() : DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("destination", NpgsqlDbType.Text) { Value = (object?)query.Destination ?? DBNull.Value });
    }

    public Task<int> RetryDeadAsync(string? id, string? destination, DateTimeOffset now, CancellationToken cancellationToken) =>
        ExecuteAsync("""
            UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = @now, updated = @now
            WHERE state = 'dead' AND (@id::text IS NULL OR id = @id) AND (@destination::text IS NULL OR destination = @destination);
            """, cancellationToken, ("id", (object?)id ?? DBNull.Value), ("destination", (object?)destination ?? DBNull.Value),
            ("now", now.ToUnixTimeMilliseconds()));

    public async Task<IReadOnlyDictionary<DeliveryState, long>> CountByStateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand("SELECT state, COUNT(*) FROM deliveries GROUP BY state;", connection);
        var counts = new Dictionary<DeliveryState, long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            if (DeliveryStates.TryParse(reader.GetString(0), out var state)) counts[state] = reader.GetInt64(1);
        return counts;
    }

    private async Task<int> ExecuteAsync(string sql, CancellationToken cancellationToken, params (string Name, object Value)[] parameters)
    {
        await using var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
            command.Parameters.Add(value is DBNull ? new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = value } : new NpgsqlParameter(name, value));
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlParameter TextArray(string name, IEnumerable<string?> values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.ToArray() };

    private static Task<List<DeliveryRecord>> ReadAllAsync(NpgsqlCommand command, CancellationToken cancellationToken) =>
        DeliveryRows.ReadAllAsync(command, cancellationToken);
}
