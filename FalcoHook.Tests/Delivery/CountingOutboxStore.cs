using FalcoHook.Core.Delivery;
using FalcoHook.Core.Storage;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Delivery;

/// <summary>
/// The SQLite store, counting claims that returned rows and rows handed over claimed, and recording each outcome write; a
/// write can be held or failed.
/// </summary>
internal sealed class CountingOutboxStore(IOutboxStore inner) : IOutboxStore
{
    private int _claims;
    private int _handed;
    private readonly List<IReadOnlyList<string>> _writes = [];

    /// <summary>
    /// After a start whose outcome writes were held (<see cref="Gate"/>) and a second start on the same file: every one of
    /// <paramref name="distinct"/> deliveries reached <paramref name="receiver"/>, those in <paramref name="sent"/> (sent by
    /// the first start) exactly twice under the same webhook-id, the others once.
    /// </summary>
    public static void AssertSentAgainOnce(FakeReceiver receiver, IReadOnlySet<string> sent, int distinct)
    {
        var ids = receiver.Requests.Select(r => r.Header("webhook-id")!).ToList();
        Assert.Equal(distinct + sent.Count, ids.Count);
        Assert.Equal(distinct, ids.Distinct().Count());
        Assert.All(sent, id => Assert.Equal(2, ids.Count(x => x == id)));
    }

    public TaskCompletionSource? Gate { get; set; }
    public bool Fail { get; set; }
    public int ClaimsWithRows => Volatile.Read(ref _claims);
    public int Handed => Volatile.Read(ref _handed);
    public IReadOnlyList<IReadOnlyList<string>> Writes { get { lock (_writes) return [.. _writes]; } }

    public async Task RecordOutcomesAsync(IReadOnlyList<DeliveryOutcome> outcomes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_writes) _writes.Add([.. outcomes.Select(o => o.Id)]);
        if (Gate is { } gate)
        {
            Gate = null;
            await gate.Task;
        }
        if (Fail) throw new IOException("disk full");
        await inner.RecordOutcomesAsync(outcomes, now, cancellationToken);
    }

    public async Task<IReadOnlyList<DeliveryRecord>> ClaimDueAsync(string destination, DateTimeOffset now, int max, CancellationToken cancellationToken)
    {
        var rows = await inner.ClaimDueAsync(destination, now, max, cancellationToken);
        if (rows.Count > 0) Interlocked.Increment(ref _claims);
        return rows;
    }

    public async Task<IReadOnlyList<DeliveryRecord>> AddClaimingAsync(IReadOnlyList<NewDelivery> pending, IReadOnlyList<NewDelivery> claimed,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rows = await inner.AddClaimingAsync(pending, claimed, now, cancellationToken);
        Interlocked.Add(ref _handed, rows.Count);
        return rows;
    }

    public Task AddAsync(IReadOnlyList<NewDelivery> deliveries, DateTimeOffset now, CancellationToken cancellationToken) => inner.AddAsync(deliveries, now, cancellationToken);
    public Task<IReadOnlyList<string>> DueDestinationsAsync(DateTimeOffset now, CancellationToken cancellationToken) => inner.DueDestinationsAsync(now, cancellationToken);
    public Task<DateTimeOffset?> NextDueAsync(CancellationToken cancellationToken) => inner.NextDueAsync(cancellationToken);
    public Task MarkDeliveredAsync(string id, int attempts, DateTimeOffset now, CancellationToken cancellationToken) => inner.MarkDeliveredAsync(id, attempts, now, cancellationToken);
    public Task ScheduleRetryAsync(string id, int attempts, DateTimeOffset nextAttemptAt, string error, DateTimeOffset now, CancellationToken cancellationToken) =>
        inner.ScheduleRetryAsync(id, attempts, nextAttemptAt, error, now, cancellationToken);
    public Task MarkDeadAsync(string id, int attempts, string error, DateTimeOffset now, CancellationToken cancellationToken) => inner.MarkDeadAsync(id, attempts, error, now, cancellationToken);
    public Task ReleaseAsync(string id, DateTimeOffset now, CancellationToken cancellationToken) => inner.ReleaseAsync(id, now, cancellationToken);
    public Task<int> ResetSendingAsync(DateTimeOffset now, CancellationToken cancellationToken) => inner.ResetSendingAsync(now, cancellationToken);
    public Task<int> PurgeDeliveredAsync(DateTimeOffset before, CancellationToken cancellationToken) => inner.PurgeDeliveredAsync(before, cancellationToken);
    public Task<DeliveryRecord?> GetAsync(string id, CancellationToken cancellationToken) => inner.GetAsync(id, cancellationToken);
    public Task<DeliveryPage> ListAsync(DeliveryQuery query, CancellationToken cancellationToken) => inner.ListAsync(query, cancellationToken);
    public Task<int> RetryDeadAsync(string? id, string? destination, DateTimeOffset now, CancellationToken cancellationToken) => inner.RetryDeadAsync(id, destination, now, cancellationToken);
    public Task<IReadOnlyDictionary<DeliveryState, long>> CountByStateAsync(CancellationToken cancellationToken) => inner.CountByStateAsync(cancellationToken);
}
