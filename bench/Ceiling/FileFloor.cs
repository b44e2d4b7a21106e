using System.Threading.Channels;

/// <summary>
/// The durable floor without a database, for comparison with <see cref="DurableFloor"/>: one writer thread appends every
/// body waiting to a plain file (length-prefixed) and calls fdatasync once per group before completing the callers.
/// Not something FalcoHook does: it shows how much of the floor's cost is SQLite's and how much the fsync's.
/// </summary>
internal sealed class FileFloor : IAsyncDisposable
{
    private readonly Channel<(byte[] Body, TaskCompletionSource Done)> _queue =
        Channel.CreateBounded<(byte[], TaskCompletionSource)>(new BoundedChannelOptions(4096) { SingleReader = true });
    private readonly FileStream _file;
    private readonly Task _writer;

    public FileFloor(string path)
    {
        _file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, bufferSize: 1 << 16);
        _writer = Task.Factory.StartNew(WriteLoop, TaskCreationOptions.LongRunning);
    }

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

    private void WriteLoop()
    {
        var group = new List<TaskCompletionSource>();
        Span<byte> length = stackalloc byte[4];
        var reader = _queue.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            group.Clear();
            while (group.Count < 1000 && reader.TryRead(out var item))
            {
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, item.Body.Length);
                _file.Write(length);
                _file.Write(item.Body);
                group.Add(item.Done);
            }
            _file.Flush(flushToDisk: true); // write() + fsync: durable before anyone is answered
            foreach (var done in group) done.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.WaitAsync(TimeSpan.FromSeconds(10));
        await _file.DisposeAsync();
    }
}
