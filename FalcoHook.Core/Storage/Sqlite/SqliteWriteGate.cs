namespace FalcoHook.Core.Storage.Sqlite;

/// <summary>
/// This process's writers of one SQLite file, one at a time and in arrival order, except that a write a 2xx waits on
/// (<c>first</c>: the inbox's group commit) goes before every queued bookkeeping write (the drain's, the dispatcher's).
/// Its callers still wait for the write in progress, never behind a queue of others. Bookkeeping does not starve: the
/// inbox has one writer, so when it leaves, the next in line is a bookkeeping write, and its next commit comes after.
/// </summary>
internal sealed class SqliteWriteGate
{
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource> _first = new();
    private readonly Queue<TaskCompletionSource> _queued = new();
    private bool _held;

    /// <summary>Writers waiting (those that gave up included, until passed over).</summary>
    internal int Waiting
    {
        get
        {
            lock (_lock) return _first.Count + _queued.Count;
        }
    }

    public async ValueTask EnterAsync(bool first, CancellationToken cancellationToken)
    {
        TaskCompletionSource turn;
        lock (_lock)
        {
            if (!_held)
            {
                _held = true;
                return;
            }
            turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (first ? _first : _queued).Enqueue(turn);
        }
        // A cancelled waiter stays queued; Release passes over it.
        await using var cancel = cancellationToken.Register(static t => ((TaskCompletionSource)t!).TrySetCanceled(), turn).ConfigureAwait(false);
        await turn.Task.ConfigureAwait(false);
    }

    /// <summary>Hands the gate to the next waiter that is still waiting, or opens it.</summary>
    public void Release()
    {
        while (true)
        {
            TaskCompletionSource? next;
            lock (_lock)
            {
                if (!_first.TryDequeue(out next) && !_queued.TryDequeue(out next))
                {
                    _held = false;
                    return;
                }
            }
            if (next.TrySetResult()) return;
        }
    }
}
