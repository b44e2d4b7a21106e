using FalcoHook.Core.Ingest;

namespace FalcoHook.Core.Pipeline;

/// <summary>The last link of the handler chain: hands the batch on, then tells each <see cref="IAlertBatchObserver"/>.</summary>
public sealed class ObservedBatchHandler(IAlertBatchHandler inner, IEnumerable<IAlertBatchObserver> observers) : IAlertBatchHandler
{
    private readonly IAlertBatchObserver[] _observers = [.. observers];

    /// <summary>The handler it hands each batch to.</summary>
    public IAlertBatchHandler Inner => inner;

    public async Task HandleAsync(IReadOnlyList<InboxAlert> batch, CancellationToken cancellationToken)
    {
        await inner.HandleAsync(batch, cancellationToken);
        foreach (var observer in _observers) observer.Handled(batch);
    }
}
