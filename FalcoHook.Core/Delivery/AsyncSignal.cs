namespace FalcoHook.Core.Delivery;

/// <summary>
/// A wake-up call: <see cref="Set"/> makes the next (or the pending) <see cref="WaitAsync"/> return; a wait
/// consumes the signal. Used to wake the dispatcher when deliveries are enqueued or a send finishes.
/// </summary>
public sealed class AsyncSignal(TimeProvider time)
{
    private readonly object _gate = new();
    private TaskCompletionSource _signal = New();

    public void Set()
    {
        TaskCompletionSource signal;
        lock (_gate) signal = _signal;
        signal.TrySetResult();
    }

    /// <summary>Returns when signalled or after <paramref name="timeout"/>; throws only on cancellation.</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        Task task;
        lock (_gate)
        {
            if (_signal.Task.IsCompleted) { _signal = New(); return; }
            task = _signal.Task;
        }
        if (timeout > TimeSpan.Zero)
        {
            try { await task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false); }
            catch (TimeoutException) { }
        }
        lock (_gate) if (_signal.Task.IsCompleted) _signal = New();
    }

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>The dispatcher's wake-up signal (a distinct type so it can be registered on its own).</summary>
public sealed class DeliverySignal(TimeProvider time)
{
    public AsyncSignal Signal { get; } = new(time);
    public void Set() => Signal.Set();
}
