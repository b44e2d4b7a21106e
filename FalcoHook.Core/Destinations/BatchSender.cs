namespace FalcoHook.Core.Destinations;

/// <summary>
/// A sender that takes many deliveries of one destination in one request (a bulk API, a push of many lines). The
/// dispatcher hands it up to the destination's batch size; it answers with one outcome per delivery, in order.
/// </summary>
public interface IBatchSender
{
    /// <summary>
    /// One attempt at the whole batch. A failure of the request is the same outcome for every item; a sink that
    /// refuses some items answers per item. Only cancellation of <paramref name="cancellationToken"/> throws.
    /// </summary>
    Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, CancellationToken cancellationToken);
}

/// <summary>A type's batching defaults (each overridable per destination with <c>BatchSize</c> and <c>BatchLinger</c>).</summary>
/// <param name="Size">At most this many deliveries per request.</param>
/// <param name="Linger">How long a batch that is not full may wait for more due deliveries before it is sent.</param>
public sealed record BatchDefaults(int Size, TimeSpan Linger)
{
    /// <summary>500 per request, 1 s of waiting for more.</summary>
    public static readonly BatchDefaults Standard = new(500, TimeSpan.FromSeconds(1));
}

/// <summary>The sender of a batching type: a single delivery is a batch of one.</summary>
public abstract class BatchDestinationSender<TSettings> : DestinationSender<TSettings>, IBatchSender where TSettings : class
{
    public Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, CancellationToken cancellationToken) =>
        batch.Count == 0 ? Task.FromResult<IReadOnlyList<SendResult>>([]) : SendBatchAsync(batch, (TSettings)batch[0].Destination.Settings, cancellationToken);

    protected abstract Task<IReadOnlyList<SendResult>> SendBatchAsync(IReadOnlyList<DeliveryAttempt> batch, TSettings settings, CancellationToken cancellationToken);

    protected sealed override async Task<SendResult> SendAsync(DeliveryAttempt attempt, TSettings settings, CancellationToken cancellationToken) =>
        (await SendBatchAsync([attempt], settings, cancellationToken).ConfigureAwait(false))[0];

    /// <summary>The same outcome for every item of a batch of <paramref name="count"/>.</summary>
    protected static IReadOnlyList<SendResult> All(SendResult result, int count) => Enumerable.Repeat(result, count).ToArray();
}
