namespace FalcoHook.Core.Delivery;

/// <summary>
/// A token bucket on <see cref="TimeProvider"/> (so tests control it): <c>rate</c> tokens a second, at most
/// <c>burst</c> saved up. A rate of 0 or less means no limit.
/// </summary>
public sealed class TokenBucket
{
    private readonly double _rate;
    private readonly double _burst;
    private readonly TimeProvider _time;
    private readonly object _gate = new();
    private double _tokens;
    private long _last;

    public TokenBucket(double ratePerSecond, TimeProvider time, double? burst = null)
    {
        _rate = ratePerSecond;
        _burst = burst ?? Math.Max(1, Math.Floor(ratePerSecond));
        _time = time;
        _tokens = _burst;
        _last = time.GetTimestamp();
    }

    public bool Unlimited => _rate <= 0;

    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        if (Unlimited) return;
        while (true)
        {
            TimeSpan wait;
            lock (_gate)
            {
                var now = _time.GetTimestamp();
                _tokens = Math.Min(_burst, _tokens + _time.GetElapsedTime(_last, now).TotalSeconds * _rate);
                _last = now;
                if (_tokens >= 1)
                {
                    _tokens -= 1;
                    return;
                }
                wait = TimeSpan.FromSeconds((1 - _tokens) / _rate);
            }
            await Task.Delay(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, _time, cancellationToken).ConfigureAwait(false);
        }
    }
}
