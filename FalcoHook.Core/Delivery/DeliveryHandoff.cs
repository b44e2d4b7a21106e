namespace FalcoHook.Core.Delivery;

/// <summary>
/// Fresh deliveries from the outbox to the dispatcher's lanes in memory, so that the dispatcher need not claim them back
/// from the store: the outbox asks how many rows of each destination the dispatcher takes now
/// (<see cref="Reserve"/>), records those already claimed (<c>sending</c>, as a claim leaves them) in the same write
/// that records the rest as pending, and hands over the claimed rows that write inserted (<see cref="Complete"/>). The
/// store stays the source of truth: a handed row is in <c>sending</c> until its outcome commits, so a crash before
/// that sends it again at the next start, as for a claimed row. Takes nothing until the dispatcher has started (and
/// reset what a previous process left in sending), nor once it stops (rows handed over then go back to pending).
/// </summary>
public sealed class DeliveryHandoff
{
    private volatile ILaneHandoff? _lanes;

    /// <summary>How many of <paramref name="count"/> fresh rows to <paramref name="destination"/> are taken now; 0 when none.</summary>
    public int Reserve(string destination, int count) => count > 0 && _lanes is { } lanes ? lanes.Reserve(destination, count) : 0;

    /// <summary>
    /// After the write of what <see cref="Reserve"/> admitted (<paramref name="reserved"/> rows): the claimed rows it
    /// inserted go to the destination's lane (none if the write failed), and the rest of the reservation is freed.
    /// </summary>
    public void Complete(string destination, int reserved, IReadOnlyList<DeliveryRecord> claimed)
    {
        if (reserved > 0) _lanes?.Complete(destination, reserved, claimed);
    }

    /// <summary>The dispatcher, once it takes rows (it answers 0 to <see cref="Reserve"/> once it stops).</summary>
    internal void Open(ILaneHandoff lanes) => _lanes = lanes;
}

/// <summary>The dispatcher's side of <see cref="DeliveryHandoff"/>.</summary>
internal interface ILaneHandoff
{
    int Reserve(string destination, int count);

    void Complete(string destination, int reserved, IReadOnlyList<DeliveryRecord> claimed);
}
