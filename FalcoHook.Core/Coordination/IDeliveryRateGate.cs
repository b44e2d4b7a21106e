using FalcoHook.Core.Delivery;

namespace FalcoHook.Core.Coordination;

/// <summary>
/// Holds a destination's <c>RatePerSecond</c>: <see cref="WaitAsync"/> returns when the next send to it may start.
/// In one process the dispatcher's own <see cref="TokenBucket"/> per destination does this; across replicas a slot row
/// per destination in PostgreSQL (<see cref="PostgresRateGate"/>), so the rate holds for all of them together.
/// </summary>
public interface IDeliveryRateGate
{
    /// <summary>Waits for a send slot of <paramref name="destination"/>; a rate of 0 or less waits for nothing.</summary>
    Task WaitAsync(string destination, double ratePerSecond, CancellationToken cancellationToken);
}
