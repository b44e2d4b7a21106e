using System.Data.Common;
using FalcoHook.Core.Delivery;

namespace FalcoHook.Core.Storage;

/// <summary>
/// Delivery rows as both providers select them (<c>id, destination, notification, state, attempts, next_attempt_at,
/// last_error, created, updated, trace_parent</c>; times in Unix milliseconds) into <see cref="DeliveryRecord"/>s.
/// </summary>
internal static class DeliveryRows
{
    public static async Task<List<DeliveryRecord>> ReadAllAsync(DbCommand command, CancellationToken cancellationToken)
    {
        var rows = new List<DeliveryRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            DeliveryStates.TryParse(reader.GetString(3), out var state);
            rows.Add(new DeliveryRecord
            {
                Id = reader.GetString(0),
                Destination = reader.GetString(1),
                NotificationJson = reader.GetString(2),
                State = state,
                Attempts = reader.GetInt32(4),
                NextAttemptAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                LastError = reader.IsDBNull(6) ? null : reader.GetString(6),
                Created = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(7)),
                Updated = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(8)),
                TraceParent = reader.IsDBNull(9) ? null : reader.GetString(9),
            });
        }
        return rows;
    }

    /// <summary>A new delivery as the store holds it once inserted already claimed at <paramref name="now"/> (Unix milliseconds).</summary>
    public static DeliveryRecord Claimed(NewDelivery delivery, long now)
    {
        var at = DateTimeOffset.FromUnixTimeMilliseconds(now);
        return new DeliveryRecord
        {
            Id = delivery.Id,
            Destination = delivery.Destination,
            NotificationJson = delivery.NotificationJson,
            State = DeliveryState.Sending,
            Attempts = 0,
            NextAttemptAt = at,
            Created = at,
            Updated = at,
            TraceParent = delivery.TraceParent,
        };
    }
}
