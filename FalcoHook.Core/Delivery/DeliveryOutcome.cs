namespace FalcoHook.Core.Delivery;

/// <summary>
/// The outcome of one send, to be recorded on its claimed row: <see cref="DeliveryState.Delivered"/>,
/// <see cref="DeliveryState.Pending"/> (a retry at <see cref="NextAttemptAt"/>) or <see cref="DeliveryState.Dead"/>.
/// <see cref="Error"/> is stored as given (already redacted); a delivered row's error is cleared.
/// </summary>
public sealed record DeliveryOutcome(string Id, DeliveryState State, int Attempts, DateTimeOffset? NextAttemptAt = null, string? Error = null)
{
    /// <summary>The state column's value; only the three outcomes of a send are accepted.</summary>
    public string StorageState => State is DeliveryState.Delivered or DeliveryState.Pending or DeliveryState.Dead
        ? State.ToStorageString()
        : throw new InvalidOperationException($"{State} is not the outcome of a send");

    public static DeliveryOutcome Delivered(string id, int attempts) => new(id, DeliveryState.Delivered, attempts);

    public static DeliveryOutcome Retry(string id, int attempts, DateTimeOffset next, string error) => new(id, DeliveryState.Pending, attempts, next, error);

    public static DeliveryOutcome Dead(string id, int attempts, string error) => new(id, DeliveryState.Dead, attempts, null, error);
}
