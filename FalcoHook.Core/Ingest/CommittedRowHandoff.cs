using FalcoHook.Core.Storage;

namespace FalcoHook.Core.Ingest;

/// <summary>
/// The inbox writer's just-committed rows, kept for the drain so it need not read them back: a record, begun by the
/// drain, that holds every row committed since it began, in id order, or (once broken) nothing. The protocol is in
/// docs/ARCHITECTURE.md ("The drain").
/// </summary>
/// <param name="capacity">Rows held at most: a short hand-off, not a second queue; a drain further behind reads the store.</param>
internal sealed class CommittedRowHandoff(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Queue<InboxEntry> _rows = new();
    private bool _complete;
    private long _epoch;

    // The writer's side.

    /// <summary>Rows just committed, in id order. Held while the record is complete and they fit; otherwise it breaks.</summary>
    public void Add(IReadOnlyList<InboxEntry> committed)
    {
        lock (_gate)
        {
            if (!_complete) return;
            if (_rows.Count + committed.Count > capacity)
            {
                Break();
                return;
            }
            foreach (var entry in committed) _rows.Enqueue(entry);
        }
    }

    /// <summary>Rows reached the store some other way (a dead row put back, a failed commit): the record is no longer all of it.</summary>
    public void Invalidate()
    {
        lock (_gate) Break();
    }

    // The drain's side.

    /// <summary>
    /// Begins a record now unless one is going and complete; returns its epoch. A row committed just before may be
    /// added just after: the record is still an unbroken run of commits.
    /// </summary>
    public long Begin()
    {
        lock (_gate)
        {
            if (_complete) return _epoch;
            _rows.Clear();
            _complete = true;
            return ++_epoch;
        }
    }

    /// <summary>Whether the record of <paramref name="epoch"/> still holds every row committed since it began.</summary>
    public bool IsComplete(long epoch)
    {
        lock (_gate) return _complete && _epoch == epoch;
    }

    /// <summary>Whether the record of <paramref name="epoch"/> is complete and holds every row from <paramref name="id"/> on.</summary>
    public bool HoldsFrom(long epoch, long id)
    {
        lock (_gate) return _complete && _epoch == epoch && _rows.TryPeek(out var first) && first.Id <= id;
    }

    /// <summary>
    /// Moves up to <paramref name="max"/> held rows with ids above <paramref name="after"/> into <paramref name="into"/>,
    /// oldest first, dropping those at or below it. False (nothing taken) when the record of <paramref name="epoch"/>
    /// is broken: read the store.
    /// </summary>
    public bool TryTake(long epoch, long after, int max, List<InboxEntry> into)
    {
        lock (_gate)
        {
            if (!_complete || _epoch != epoch) return false;
            while (into.Count < max && _rows.TryDequeue(out var entry))
                if (entry.Id > after) into.Add(entry);
            return true;
        }
    }

    private void Break()
    {
        _complete = false;
        _rows.Clear();
    }
}
