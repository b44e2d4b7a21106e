namespace FalcoHook.Core.Delivery;

public enum DeliveryState
{
    Pending,
    Sending,
    Delivered,
    Dead,
}

public static class DeliveryStates
{
    public static string ToStorageString(this DeliveryState state) => state switch
    {
        DeliveryState.Pending => "pending",
        DeliveryState.Sending => "sending",
        DeliveryState.Delivered => "delivered",
        DeliveryState.Dead => "dead",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, null),
    };

    public static bool TryParse(string? text, out DeliveryState state)
    {
        state = default;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "pending": state = DeliveryState.Pending; return true;
            case "sending": state = DeliveryState.Sending; return true;
            case "delivered": state = DeliveryState.Delivered; return true;
            case "dead": state = DeliveryState.Dead; return true;
            default: return false;
        }
    }
}

/// <summary>
/// A delivery to record: the stable id is chosen by the outbox (UUIDv7-shaped); <paramref name="TraceParent"/> is the
/// W3C traceparent its attempts' spans continue.
/// </summary>
public sealed record NewDelivery(string Id, string Destination, string NotificationJson, string? TraceParent = null);

/// <summary>
/// One (notification, destination) pair. <see cref="Id"/> is stable across retries: it is the Standard
/// Webhooks <c>webhook-id</c>. <see cref="LastError"/> is always stored redacted.
/// </summary>
public sealed record DeliveryRecord
{
    public required string Id { get; init; }
    public required string Destination { get; init; }
    public required string NotificationJson { get; init; }
    public required DeliveryState State { get; init; }
    public required int Attempts { get; init; }
    public required DateTimeOffset NextAttemptAt { get; init; }
    public string? LastError { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required DateTimeOffset Updated { get; init; }

    /// <summary>The W3C traceparent of the span that made this delivery (the pipeline's, in the ingest request's trace).</summary>
    public string? TraceParent { get; init; }
}

public sealed record DeliveryQuery(DeliveryState? State = null, string? Destination = null, int Offset = 0, int Limit = 50);

public sealed record DeliveryPage(IReadOnlyList<DeliveryRecord> Items, long Total);
