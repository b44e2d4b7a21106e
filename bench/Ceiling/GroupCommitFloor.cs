using System.Threading.Channels;

/// <summary>
/// What both durable floors share: callers queue their bodies; one writer thread takes every body waiting, makes
/// them durable in one go (<see cref="Commit"/>), and only then completes the callers — a group commit.
/// </summary>
internal abstract class GroupCommitFloor : IAsyncDisposable
{
    private readonly Channel<(byte[] Body, TaskCompletionSource Done)> _queue =
        Channel.CreateBounded<(byte[], TaskCompletionSource)>(new BoundedChannelOptions(4096) { SingleReader = true });
    private Task? _writer;

    /// <summary>Starts the writer thread; call at the end of the subclass's constructor.</summary>
    protected void Start() => _writer = Task.Factory.StartNew(WriteLoop, TaskCreationOptions.LongRunning);

    public Task AppendAsync(byte[] body, CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        return _queue.Writer.TryWrite((body, done)) ? done.Task : WriteSlowAsync(body, done, cancellationToken);
    }

    private async Task WriteSlowAsync(byte[] body, TaskCompletionSource done, CancellationToken cancellationToken)
    {
        await _queue.Writer.WriteAsync((body, done), cancellationToken);
        await done.Task;
    }

    /// <summary>Makes <paramref name="bodies"/> durable; returns once they are on disk.</summary>
    protected abstract void Commit(IReadOnlyList<byte[]> bodies);

    private void WriteLoop()
    {
        var bodies = new List<byte[]>();
        var waiting = new List<TaskCompletionSource>();
        var reader = _queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            bodies.Clear();
            waiting.Clear();
            while (bodies.Count < 1000 && reader.TryRead(out var item))
            {
                bodies.Add(item.Body);
                waiting.Add(item.Done);
            }
            Commit(bodies);
            foreach (var done in waiting) done.TrySetResult();
        }
    }

    public virtual async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        if (_writer is not null) await _writer.WaitAsync(TimeSpan.FromSeconds(10));
    }
}
