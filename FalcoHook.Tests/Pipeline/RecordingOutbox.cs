using FalcoHook.Core.Delivery;

namespace FalcoHook.Tests.Pipeline;

/// <summary>An outbox that records what it was given, and fails on cue.</summary>
public sealed class RecordingOutbox : IOutbox
{
    private readonly List<RoutedNotification> _received = [];

    public bool FailNext { get; set; }

    public IReadOnlyList<RoutedNotification> Received => _received;

    public int Calls { get; private set; }

    public Task EnqueueAsync(IReadOnlyList<RoutedNotification> notifications, CancellationToken cancellationToken)
    {
        Calls++;
        if (FailNext)
        {
            FailNext = false;
            throw new IOException("outbox unavailable (test)");
        }
        _received.AddRange(notifications);
        return Task.CompletedTask;
    }

    public void Clear() => _received.Clear();
}
