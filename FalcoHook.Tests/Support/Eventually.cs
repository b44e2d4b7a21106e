namespace FalcoHook.Tests.Support;

/// <summary>
/// Waits for a condition by polling it, with a deadline that only bounds a failure: never a bare Task.Delay and
/// hope. A condition may throw to fail at once (a child process that exited, say).
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(20);

    public static Task TrueAsync(Func<bool> condition, string what, TimeSpan? timeout = null, Func<string>? detail = null) =>
        TrueAsync(() => Task.FromResult(condition()), what, timeout, detail);

    public static async Task TrueAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, Func<string>? detail = null)
    {
        var started = TimeProvider.System.GetTimestamp();
        var limit = timeout ?? DefaultTimeout;
        while (!await condition())
        {
            if (TimeProvider.System.GetElapsedTime(started) > limit)
                throw new TimeoutException($"Timed out after {limit} waiting for: {what}. {detail?.Invoke()}".TrimEnd());
            await Task.Delay(Poll);
        }
    }

    /// <summary>Reads a value until it satisfies <paramref name="condition"/> and returns it; the last one read names the failure.</summary>
    public static async Task<T> MatchesAsync<T>(Func<Task<T>> read, Func<T, bool> condition, string what, TimeSpan? timeout = null,
        Func<T, string>? describe = null)
    {
        var last = default(T);
        var seen = false;
        await TrueAsync(async () =>
        {
            last = await read();
            seen = true;
            return condition(last);
        }, what, timeout, () => seen && describe is not null ? describe(last!) : "");
        return last!;
    }

    /// <summary>
    /// Takes one <paramref name="step"/> (a fake clock's advance, say) at a time, giving the work it wakes a moment to
    /// run, until <paramref name="condition"/> holds: bounded by steps, so a slow machine takes longer but never fails
    /// for it.
    /// </summary>
    public static async Task SteppingAsync(Func<bool> condition, Action step, string what, int maxSteps = 1000)
    {
        for (var steps = 0; !condition(); steps++)
        {
            if (steps == maxSteps) throw new TimeoutException($"Not true after {maxSteps} steps: {what}");
            step();
            await Task.Delay(Poll);
        }
    }
}
