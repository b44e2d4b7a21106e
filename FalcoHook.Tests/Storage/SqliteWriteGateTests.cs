using FalcoHook.Core.Storage.Sqlite;
using FalcoHook.Tests.Support;

namespace FalcoHook.Tests.Storage;

/// <summary>The order in which this process's SQLite writers take their turns.</summary>
public sealed class SqliteWriteGateTests
{
    [Fact]
    public async Task A_write_a_2xx_waits_on_goes_before_the_queued_ones_which_keep_their_order()
    {
        var gate = new SqliteWriteGate();
        await gate.EnterAsync(first: false, CancellationToken.None);
        var order = new List<string>();
        Task Queue(string name, bool first) => Task.Run(async () =>
        {
            await gate.EnterAsync(first, CancellationToken.None);
            lock (order) order.Add(name);
        });

        var a = Queue("a", first: false);
        await WaitQueuedAsync(gate, 1);
        var b = Queue("b", first: false);
        await WaitQueuedAsync(gate, 2);
        var inbox = Queue("inbox", first: true);
        await WaitQueuedAsync(gate, 3);
        Assert.Empty(order);

        foreach (var expected in (string[])["inbox", "a", "b"])
        {
            gate.Release();
            await Eventually.TrueAsync(() => { lock (order) return order.Count > 0 && order[^1] == expected; }, expected + " in its turn");
        }
        await Task.WhenAll(a, b, inbox);
        Assert.Equal(["inbox", "a", "b"], order);
        gate.Release();
        await gate.EnterAsync(first: false, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(5)); // open again
    }

    [Fact]
    public async Task A_waiter_that_gave_up_is_passed_over()
    {
        var gate = new SqliteWriteGate();
        await gate.EnterAsync(first: false, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var gaveUp = gate.EnterAsync(first: true, cancel.Token).AsTask();
        var next = gate.EnterAsync(first: false, CancellationToken.None).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gaveUp);
        Assert.False(next.IsCompleted);

        gate.Release();
        await next.WaitAsync(TimeSpan.FromSeconds(5));
    }

    private static Task WaitQueuedAsync(SqliteWriteGate gate, int count) =>
        Eventually.TrueAsync(() => gate.Waiting == count, $"{count} writers waiting");
}
