using System.Collections.Concurrent;
using System.Diagnostics;

namespace FalcoHook.Bench.Hostile;

/// <summary>What one kind of request got: every status and latency.</summary>
public sealed class KindResult(HostileKind kind)
{
    private readonly Lock _gate = new();
    private readonly List<(int Status, TimeSpan Latency)> _answers = [];

    public HostileKind Kind => kind;

    public void Add(int status, TimeSpan latency)
    {
        lock (_gate) _answers.Add((status, latency));
    }

    public IReadOnlyList<(int Status, TimeSpan Latency)> Answers
    {
        get { lock (_gate) return [.. _answers]; }
    }

    /// <summary>Statuses outside what the kind documents (a 503 without Retry-After is recorded as -503; a transport error as -1).</summary>
    public IReadOnlyList<int> Unexpected => Answers.Select(a => a.Status).Where(s => !kind.Expected.Contains(s)).Distinct().ToList();

    public TimeSpan Max => Answers.Count == 0 ? TimeSpan.Zero : Answers.Max(a => a.Latency);

    public TimeSpan Median
    {
        get
        {
            var sorted = Answers.Select(a => a.Latency).Order().ToList();
            return sorted.Count == 0 ? TimeSpan.Zero : sorted[sorted.Count / 2];
        }
    }

    public string Statuses => string.Join(" ", Answers.GroupBy(a => a.Status).OrderBy(g => g.Key).Select(g => $"{g.Key}x{g.Count()}"));
}

/// <summary>
/// The hostile mix: good alerts (each with a unique <c>output_fields["test.id"]</c>) from <c>goodSenders</c> loops,
/// every kind of <see cref="HostileKinds"/> from <c>hostileSenders</c> loops, and stalled bodies from one more,
/// until stopped, each loop waiting <c>pause</c> between its requests. Records which good alerts were acknowledged (2xx)
/// and every answer per kind.
/// </summary>
public sealed class HostileMix(MixClient client, int goodSenders, int hostileSenders, TimeSpan pause = default)
{
    private int _sequence;

    public ConcurrentDictionary<string, byte> Acknowledged { get; } = new();
    public KindResult Good { get; } = new(new HostileKind("good-alert", [200, 202], HostileKinds.Prompt, (_, _) => Task.FromResult(0)));
    public IReadOnlyList<KindResult> Hostile { get; } = [.. HostileKinds.All().Select(k => new KindResult(k)), new KindResult(HostileKinds.StalledBody)];

    public IEnumerable<KindResult> All => Hostile.Prepend(Good);

    public async Task RunAsync(TimeSpan duration, CancellationToken cancel = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        stop.CancelAfter(duration);
        var loops = new List<Task>();
        for (var i = 0; i < goodSenders; i++) loops.Add(Task.Run(() => GoodLoopAsync(stop.Token), CancellationToken.None));
        var kinds = Hostile.Where(k => k.Kind != HostileKinds.StalledBody).ToList();
        for (var i = 0; i < hostileSenders; i++)
        {
            var offset = i * kinds.Count / Math.Max(1, hostileSenders);
            loops.Add(Task.Run(() => HostileLoopAsync(kinds, offset, stop.Token), CancellationToken.None));
        }
        loops.Add(Task.Run(() => HostileLoopAsync([Hostile.Single(k => k.Kind == HostileKinds.StalledBody)], 0, stop.Token), CancellationToken.None));
        await Task.WhenAll(loops);
    }

    private async Task GoodLoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var id = $"g{Interlocked.Increment(ref _sequence)}";
            var status = await TimedAsync(Good, (c, t) => c.PostAsync("/", HostileKinds.GoodAlert(id), false, t));
            if (status is >= 200 and < 300) Acknowledged[id] = 0;
            await PauseAsync(stop);
        }
    }

    private async Task HostileLoopAsync(IReadOnlyList<KindResult> kinds, int offset, CancellationToken stop)
    {
        for (var n = offset; !stop.IsCancellationRequested; n++)
        {
            var kind = kinds[n % kinds.Count];
            await TimedAsync(kind, kind.Kind.Send);
            await PauseAsync(stop);
        }
    }

    private async Task PauseAsync(CancellationToken stop)
    {
        if (pause <= TimeSpan.Zero) return;
        try { await Task.Delay(pause, stop); }
        catch (OperationCanceledException) { }
    }

    /// <summary>Sends once and records the answer; a request is never cut by the stop, so every latency is whole.</summary>
    private async Task<int> TimedAsync(KindResult result, Func<MixClient, CancellationToken, Task<int>> send)
    {
        var clock = Stopwatch.StartNew();
        int status;
        try
        {
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            status = await send(client, limit.Token);
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or System.Net.Sockets.SocketException)
        {
            status = -1;
        }
        result.Add(status, clock.Elapsed);
        return status;
    }
}
