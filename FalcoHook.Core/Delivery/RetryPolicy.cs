namespace FalcoHook.Core.Delivery;

/// <summary>
/// When to try a failed delivery again: exponential backoff (<see cref="DeliveryOptions.InitialBackoff"/> x 2^(n-1),
/// capped at <see cref="DeliveryOptions.MaxBackoff"/>) with jitter, never sooner than the receiver's
/// <c>Retry-After</c>; or never, once <see cref="DeliveryOptions.MaxAttempts"/> or <see cref="DeliveryOptions.MaxAge"/> is reached.
/// </summary>
public sealed class RetryPolicy(DeliveryOptions options, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;

    /// <summary>The next attempt's time, or null when the delivery should be dead.</summary>
    public DateTimeOffset? NextAttempt(int attemptsMade, DateTimeOffset created, DateTimeOffset now, TimeSpan? retryAfter)
    {
        if (attemptsMade >= options.MaxAttempts) return null;
        var delay = Backoff(attemptsMade);
        if (retryAfter is { } floor && floor > delay) delay = floor;
        var next = now + delay;
        return next - created > options.MaxAge ? null : next;
    }

    /// <summary>The jittered backoff after <paramref name="attemptsMade"/> failed attempts (at least 1).</summary>
    public TimeSpan Backoff(int attemptsMade)
    {
        var exponent = Math.Clamp(attemptsMade - 1, 0, 30);
        var ticks = Math.Min(options.InitialBackoff.Ticks * Math.Pow(2, exponent), options.MaxBackoff.Ticks);
        return TimeSpan.FromTicks((long)(ticks * (0.5 + _random.NextDouble() * 0.5)));
    }
}
