using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace FalcoHook.Core.Events;

/// <summary>
/// Events as they are recorded, for live views. Each listener has its own bounded queue: a listener that falls more
/// than <see cref="Capacity"/> events behind loses the oldest, never slows the pipeline down.
/// </summary>
public sealed class EventFeed
{
    public const int Capacity = 1000;

    private readonly Lock _gate = new();
    private readonly List<Channel<StoredEvent>> _listeners = [];
    private readonly Action<IReadOnlyList<StoredEvent>>? _forward;

    public EventFeed()
    {
    }

    /// <summary>A feed that also hands every published list to <paramref name="forward"/>, whole and in order (the history writer process's output).</summary>
    public EventFeed(Action<IReadOnlyList<StoredEvent>> forward) => _forward = forward;

    /// <summary>How many listen now.</summary>
    public int Listeners
    {
        get { lock (_gate) return _listeners.Count; }
    }

    public void Publish(IReadOnlyList<StoredEvent> events)
    {
        if (events.Count == 0) return;
        _forward?.Invoke(events);
        Channel<StoredEvent>[] listeners;
        lock (_gate)
        {
            if (_listeners.Count == 0) return;
            listeners = [.. _listeners];
        }
        foreach (var listener in listeners)
            foreach (var stored in events) listener.Writer.TryWrite(stored);
    }

    /// <summary>The events recorded from now on, until <paramref name="cancellationToken"/> is cancelled.</summary>
    public async IAsyncEnumerable<StoredEvent> ListenAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateBounded<StoredEvent>(new BoundedChannelOptions(Capacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true, SingleWriter = false,
        });
        lock (_gate) _listeners.Add(channel);
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
                while (channel.Reader.TryRead(out var stored)) yield return stored;
        }
        finally
        {
            lock (_gate) _listeners.Remove(channel);
        }
    }
}
