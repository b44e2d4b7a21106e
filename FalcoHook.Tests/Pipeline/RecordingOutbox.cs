using FalcoHook.Core.Delivery;

namespace FalcoHook.Tests.Pipeline;

/// <summary>An outbox that records what it was given (thread-safe reads), and fails on cue.</summary>
public sealed class RecordingOutbox : IOutbox
{
    private readonly Lock _lock = new();
    private readonly List<RoutedNotification> _received = [];
    private int _calls;
    private bool _failNext;

    public bool FailNext
    {
        get { lock (_lock) return _failNext; }
        set { lock (_lock) _failNext = value; }
    }

    public IReadOnlyList<RoutedNotification> Received
    {
        get { lock (_lock) return _received.ToList(); }
    }

    public int Calls
    {
        get { lock (_lock) return _calls; }
    }

    public Task EnqueueAsync(IReadOnlyList<RoutedNotification> notifications, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _calls++;
            if (_failNext)
            {
                _failNext = false;
                throw new IOException("outbox unavailable (test)");
            }
            _received.AddRange(notifications);
        }
        return Task.CompletedTask;
    }
}
