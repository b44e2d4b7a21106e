using Npgsql;

namespace FalcoHook.Core.Coordination;

/// <summary>
/// A destination's rate across all replicas: one row per destination in <c>coordination_rate</c> holds the next free
/// send slot, taken and moved on by one atomic upsert on the database's clock, so replicas' clocks need not agree.
/// Like the in-process token bucket, up to <c>floor(rate)</c> slots (at least one) may be taken at once after a
/// quiet spell; after that the sends are spaced 1/rate apart, whichever replica makes them.
/// </summary>
public sealed class PostgresRateGate(PostgresCoordination database, TimeProvider time) : IDeliveryRateGate
{
    private const string TakeSlot = """
        INSERT INTO coordination_rate AS r (destination, next_slot) VALUES (@destination, clock_timestamp() - @burst + @spacing)
        ON CONFLICT (destination) DO UPDATE
            SET next_slot = GREATEST(r.next_slot, clock_timestamp() - @burst) + @spacing
        RETURNING r.next_slot - @spacing, EXTRACT(EPOCH FROM (r.next_slot - @spacing - clock_timestamp()))::float8
        """;

    public async Task WaitAsync(string destination, double ratePerSecond, CancellationToken cancellationToken)
    {
        if (ratePerSecond <= 0) return;
        var (_, wait) = await ReserveAsync(destination, ratePerSecond, cancellationToken).ConfigureAwait(false);
        if (wait > TimeSpan.Zero) await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Takes the next send slot of <paramref name="destination"/>: when it starts (on the database's clock), and how long from now that is.</summary>
    public async Task<(DateTimeOffset Slot, TimeSpan Wait)> ReserveAsync(string destination, double ratePerSecond, CancellationToken cancellationToken)
    {
        await database.EnsureSchemaAsync(cancellationToken).ConfigureAwait(false);
        var spacing = TimeSpan.FromSeconds(1 / ratePerSecond);
        var burst = spacing * (Math.Max(1, Math.Floor(ratePerSecond)) - 1);
        await using var command = database.DataSource.CreateCommand(TakeSlot);
        command.Parameters.AddWithValue("destination", destination);
        command.Parameters.AddWithValue("spacing", spacing);
        command.Parameters.AddWithValue("burst", burst);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetFieldValue<DateTimeOffset>(0), TimeSpan.FromSeconds(reader.GetDouble(1)));
    }
}
